import { readJson } from './app.js'
import { waitFor } from './generation.js'

/** The job routes of one server, as the route tests call them. */
export function jobsApi(url: string) {
  const post = (body: object, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
  const job = async (id: string) => readJson(await fetch(`${url}/api/jobs/${id}`))
  /** The job once its status is one of `statuses`, or as it is after `timeoutMs`. */
  const until = async (id: string, statuses: string[], timeoutMs = 10_000) => {
    let body = await job(id)
    await waitFor(async () => statuses.includes((body = await job(id)).status), timeoutMs)
    return body
  }
  return { post, job, until }
}
