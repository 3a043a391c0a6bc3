import { AwsError } from '../../shared/errors.ts'

/** CodeCommit's exceptions, named and worded as AWS does. */
export const CodeCommitErrors = {
  repositoryNameExists: (name: string) => new AwsError('RepositoryNameExistsException', `Repository named ${name} already exists`),
  repositoryDoesNotExist: (name: string) => new AwsError('RepositoryDoesNotExistException', `${name} does not exist`),
  repositoryNameRequired: () => new AwsError('RepositoryNameRequiredException', 'A repository name is required, but was not specified.'),
  invalidRepositoryName: () =>
    new AwsError(
      'InvalidRepositoryNameException',
      'The repository name is not valid. Repository names can be any valid combination of letters, numbers, periods, underscores, and dashes between 1 and 100 characters in length. Names are case sensitive. Names may not end in .git.',
    ),
  branchNameRequired: () => new AwsError('BranchNameRequiredException', 'A branch name is required, but was not specified.'),
  invalidBranchName: (name: string) => new AwsError('InvalidBranchNameException', `The branch name '${name}' is not valid.`),
  branchDoesNotExist: (name: string) => new AwsError('BranchDoesNotExistException', `Branch '${name}' does not exist.`),
  branchNameExists: (name: string) => new AwsError('BranchNameExistsException', `Branch '${name}' already exists.`),
  defaultBranchCannotBeDeleted: (name: string) =>
    new AwsError('DefaultBranchCannotBeDeletedException', `The branch '${name}' is the default branch and cannot be deleted.`),
  commitIdRequired: () => new AwsError('CommitIdRequiredException', 'A commit ID is required, but was not specified.'),
  invalidCommitId: (id: string) => new AwsError('InvalidCommitIdException', `The commit ID '${id}' is not valid.`),
  commitIdDoesNotExist: (id: string) => new AwsError('CommitIdDoesNotExistException', `Commit ID '${id}' does not exist.`),
  commitDoesNotExist: (spec: string) => new AwsError('CommitDoesNotExistException', `Commit '${spec}' does not exist.`),
  invalidCommit: (spec: string) => new AwsError('InvalidCommitException', `The commit specifier '${spec}' is not valid.`),
  commitRequired: () => new AwsError('CommitRequiredException', 'A commit specifier is required, but was not specified.'),
  pathRequired: () => new AwsError('PathRequiredException', 'A file path is required, but was not specified.'),
  invalidPath: (p: string) => new AwsError('InvalidPathException', `The path '${p}' is not valid.`),
  pathDoesNotExist: (p: string) => new AwsError('PathDoesNotExistException', `The path '${p}' does not exist.`),
  fileDoesNotExist: (p: string) => new AwsError('FileDoesNotExistException', `The file '${p}' does not exist.`),
  folderDoesNotExist: (p: string) => new AwsError('FolderDoesNotExistException', `The folder '${p}' does not exist.`),
  fileTooLarge: (p: string) => new AwsError('FileTooLargeException', `The file '${p}' is larger than 6 MB and cannot be returned.`),
  blobIdRequired: () => new AwsError('BlobIdRequiredException', 'A blob ID is required, but was not specified.'),
  invalidBlobId: (id: string) => new AwsError('InvalidBlobIdException', `The blob ID '${id}' is not valid.`),
  blobIdDoesNotExist: (id: string) => new AwsError('BlobIdDoesNotExistException', `Blob ID '${id}' does not exist.`),
  parentCommitIdRequired: () =>
    new AwsError('ParentCommitIdRequiredException', 'A parent commit ID is required. To view the full commit ID of a branch in a repository, use GetBranch or a Git command (for example, git pull or git log).'),
  invalidParentCommitId: (id: string) => new AwsError('InvalidParentCommitIdException', `The parent commit ID '${id}' is not valid.`),
  parentCommitDoesNotExist: (id: string) => new AwsError('ParentCommitDoesNotExistException', `The parent commit ID '${id}' does not exist.`),
  parentCommitIdOutdated: (id: string, branch: string) =>
    new AwsError('ParentCommitIdOutdatedException', `The parent commit ID '${id}' is not the most recent commit of branch '${branch}'. Use GetBranch to find the tip of the branch.`),
  fileContentRequired: () => new AwsError('FileContentRequiredException', 'The file content is required, but was not specified.'),
  sameFileContent: (p: string) =>
    new AwsError('SameFileContentException', `The file '${p}' already exists with the same content and mode in this branch. No commit was created.`),
  noChange: () => new AwsError('NoChangeException', 'The commit cannot be created because no changes will be made to the repository as a result of this commit.'),
  fileEntryRequired: () => new AwsError('FileEntryRequiredException', 'The commit cannot be created because no files were specified.'),
  invalidFileMode: (m: string) => new AwsError('InvalidFileModeException', `The file mode '${m}' is not valid.`),
  branchNameIsTagName: (b: string) => new AwsError('BranchNameIsTagNameException', `'${b}' is a tag, not a branch.`),
  invalidEmail: () => new AwsError('InvalidEmailException', 'The email address is not valid.'),
  fileNameConflictsWithDirectoryName: (p: string) =>
    new AwsError('FileNameConflictsWithDirectoryNameException', `The file name '${p}' conflicts with a directory of the same name.`),
  directoryNameConflictsWithFileName: (p: string) =>
    new AwsError('DirectoryNameConflictsWithFileNameException', `A part of the path '${p}' conflicts with an existing file.`),
  invalidResourceArn: (arn: string) => new AwsError('InvalidResourceArnException', `The ARN '${arn}' is not valid.`),
  invalidSystemTagUsage: () => new AwsError('InvalidSystemTagUsageException', 'Tag keys beginning with aws: are reserved for system use.'),
  invalidContinuationToken: () => new AwsError('InvalidContinuationTokenException', 'The continuation token is not valid.'),
  commitIdsListRequired: () => new AwsError('CommitIdsListRequiredException', 'A list of commit IDs is required, but was either not specified or the list was empty.'),
  commitIdsLimitExceeded: () => new AwsError('CommitIdsLimitExceededException', 'The maximum number of allowed commit IDs in a batch request is 100.'),
  repositoryNamesRequired: () => new AwsError('RepositoryNamesRequiredException', 'At least one repository name is required, but was not specified.'),
  maximumRepositoryNamesExceeded: () => new AwsError('MaximumRepositoryNamesExceededException', 'The maximum number of allowed repository names was exceeded. Currently, this number is 100.'),
} as const
