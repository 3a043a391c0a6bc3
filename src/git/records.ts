/** What the store keeps of a CodeCommit repository (refs and objects live in the bare repo). */
export type RepositoryRecord = {
  id: string
  name: string
  description?: string
  kmsKeyId?: string
  createdAt: Date
  lastModifiedAt: Date
}

/** Store port for repositories. Names are unique; `rename` and `insert` throw `NameTaken` on clash. */
export interface RepositoryStore {
  insert(repo: RepositoryRecord): Promise<void>
  getByName(name: string): Promise<RepositoryRecord | undefined>
  getById(id: string): Promise<RepositoryRecord | undefined>
  list(sortBy: 'repositoryName' | 'lastModifiedDate', order: 'ascending' | 'descending'): Promise<RepositoryRecord[]>
  rename(id: string, newName: string, at: Date): Promise<void>
  setDescription(id: string, description: string | undefined, at: Date): Promise<void>
  touch(id: string, at: Date): Promise<void>
  delete(id: string): Promise<void>
  /** The ref snapshot: full ref name -> commit id, as last published. */
  refs(id: string): Promise<Map<string, string>>
  /** Sets (or with null, removes) one ref of the snapshot. */
  setRef(id: string, ref: string, commitId: string | null): Promise<void>
  /** Marks (or re-marks, with a later time) a push in progress whose ref changes are not published yet. */
  requestSync(id: string, at: Date): Promise<void>
  /** Removes the mark, unless a later push made it again after `upTo`. */
  clearSync(id: string, upTo: Date): Promise<void>
  /** Repositories marked before `before` (their pusher may have died): ids. */
  syncRequestedBefore(before: Date): Promise<string[]>
}

export class NameTaken extends Error {
  constructor(name: string) {
    super(`name ${name} is taken`)
    this.name = 'NameTaken'
  }
}
