/** Store port for resource tags of any context, keyed by ARN. */
export interface TagStore {
  list(resourceArn: string): Promise<Record<string, string>>
  put(resourceArn: string, tags: Record<string, string>): Promise<void>
  remove(resourceArn: string, keys: string[]): Promise<void>
  removeAll(resourceArn: string): Promise<void>
}
