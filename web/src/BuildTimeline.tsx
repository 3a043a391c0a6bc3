import { useEffect, useState } from 'react'
import { fmtDuration, fmtTime, statusClass } from './api.ts'

export type Phase = { phaseType: string; phaseStatus?: string; startTime?: string; endTime?: string; contexts?: { statusCode?: string; message?: string }[] }

const PHASE_TYPES = ['SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING', 'COMPLETED']

/** The current time, ticking every second while `running`. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    if (!running) return
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [running])
  return now
}

/**
 * Every CodeBuild phase as a row with a bar placed and sized by its start and duration on the
 * build's time axis (queue and provisioning included), its duration, status and, when it did not
 * succeed, its context message. Phases not reached show "Not run".
 */
export function BuildTimeline({ phases, endTime, running }: { phases: Phase[]; endTime?: string; running: boolean }) {
  const now = useNow(running)
  const t0 = phases[0]?.startTime ? Date.parse(phases[0].startTime) : now
  const end = endTime ? Date.parse(endTime) : now
  const total = Math.max(end - t0, 1)
  return (
    <ol className="timeline" aria-label="Phases">
      {PHASE_TYPES.map((type) => {
        const p = phases.find((x) => x.phaseType === type)
        const start = p?.startTime ? Date.parse(p.startTime) : undefined
        const stop = p?.endTime ? Date.parse(p.endTime) : running ? now : start
        const ms = start !== undefined && stop !== undefined ? stop - start : undefined
        const status = !p ? 'Not run' : type === 'COMPLETED' ? 'COMPLETED' : (p.phaseStatus ?? 'IN_PROGRESS')
        const context = p?.phaseStatus && p.phaseStatus !== 'SUCCEEDED' ? p.contexts?.map((c) => c.message).filter(Boolean).join('; ') : ''
        const bar = start !== undefined && ms !== undefined
          ? { left: `${(((start - t0) / total) * 100).toFixed(3)}%`, width: `${((ms / total) * 100).toFixed(3)}%` }
          : undefined
        return (
          <li key={type} className="timeline-row" data-phase={type} data-phase-status={p ? status : 'NOT_RUN'}>
            <span className="timeline-name mono small">{type}</span>
            <span className="timeline-track" aria-hidden="true">
              {bar && <span className={`timeline-bar timeline-bar-${status.toLowerCase().replace(/_/g, '')}`} style={bar} />}
            </span>
            <span className="timeline-duration small" title={p?.startTime ? `Started ${fmtTime(p.startTime)}` : undefined}>
              {type === 'COMPLETED' ? (p ? `total ${fmtDuration(total)}` : '') : ms !== undefined ? fmtDuration(ms) : ''}
            </span>
            {type === 'COMPLETED' ? <span /> : <span className={p ? statusClass(status) : 'status status-notrun'}>{status}</span>}
            {context && <span className="timeline-context small error">{context}</span>}
          </li>
        )
      })}
    </ol>
  )
}
