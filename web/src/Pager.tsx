/** "1–25 of 10,000" with Previous/Next buttons, for lists the server pages by offset. */
export function Pager({ label, offset, pageSize, total, onOffset }: { label: string; offset: number; pageSize: number; total: number; onOffset: (offset: number) => void }) {
  if (total <= pageSize && offset === 0) return null
  const last = Math.min(offset + pageSize, total)
  return (
    <nav className="pager row" aria-label={`${label} pages`}>
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - pageSize))}>Previous</button>
      <span className="small" role="status">{total === 0 ? 'none' : `${offset + 1}–${last} of ${total.toLocaleString('en')}`}</span>
      <button type="button" disabled={last >= total} onClick={() => onOffset(offset + pageSize)}>Next</button>
    </nav>
  )
}
