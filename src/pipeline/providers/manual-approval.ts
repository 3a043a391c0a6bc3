import type { ActionProvider } from './provider.ts'

/** Approval/Manual: nothing to start; PutApprovalResult (or its timeout) completes the action. */
export const manualApproval: ActionProvider = {
  matches: (a) => a.category === 'Approval' && a.owner === 'AWS' && a.provider === 'Manual',
  run: async () => undefined,
}
