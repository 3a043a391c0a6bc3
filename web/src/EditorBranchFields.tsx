import { branchActions, parseDeclaration, pretty, withBranch } from './editor-declaration.ts'

/** The common edit as a form: each source action's branch, written back into the JSON text. */
export function BranchFields({ text, onText }: { text: string; onText: (text: string) => void }) {
  const parsed = parseDeclaration(text)
  const declaration = parsed.value
  if (!declaration) return null
  const actions = branchActions(declaration)
  if (actions.length === 0) return null
  return (
    <fieldset className="editor-branches">
      <legend>Source branches</legend>
      {actions.map((a) => {
        const id = `branch-${a.stage}-${a.action}`
        return (
          <div className="row" key={id}>
            <label htmlFor={id}>Branch of {a.stage} / {a.action}</label>
            <input id={id} className="mono" value={a.branch} onChange={(e) => onText(pretty(withBranch(declaration, a.stage, a.action, e.target.value)))} />
          </div>
        )
      })}
    </fieldset>
  )
}
