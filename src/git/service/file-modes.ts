import type { FileMode } from '../ports.ts'

/** Git's raw modes <-> CodeCommit's FileModeTypeEnum. */
export function fileModeOf(gitMode: string): FileMode {
  if (gitMode === '100755') return 'EXECUTABLE'
  if (gitMode === '120000') return 'SYMLINK'
  return 'NORMAL'
}

export const FILE_MODES: readonly FileMode[] = ['NORMAL', 'EXECUTABLE', 'SYMLINK']
