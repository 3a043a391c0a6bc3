import { AwsError } from '../shared/errors.ts'

/** CodeBuild has only a handful of exception shapes; these are its messages. */
export const CodeBuildErrors = {
  invalidInput: (message: string) => new AwsError('InvalidInputException', message),
  projectNotFound: (arn: string) => new AwsError('ResourceNotFoundException', `Project cannot be found: ${arn}`),
  buildNotFound: (id: string) => new AwsError('ResourceNotFoundException', `Build ${id} does not exist`),
  projectExists: (arn: string) => new AwsError('ResourceAlreadyExistsException', `Project already exists: ${arn}`),
  fleetNotFound: (arn: string) => new AwsError('ResourceNotFoundException', `Fleet ${arn} does not exist`),
  fleetExists: (name: string) => new AwsError('ResourceAlreadyExistsException', `Fleet already exists: ${name}`),
} as const
