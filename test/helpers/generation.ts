import {
  chatBody,
  chatReply,
  fenced,
  messageText,
  sleep,
  type ChatRequestBody,
  type ScriptedHandler,
} from './scripted-llm.js'

/** A generation stage that calls the model. */
export type Stage = 'code' | 'tests' | 'docs'

/** Python that parses: one documented function, of cyclomatic complexity 2. */
export const GOOD_CODE = `def parse_duration(text: str) -> int:
    """Parse a duration.

    Args:
        text: An ISO-8601 duration such as PT1H2M.

    Returns:
        The duration in seconds.
    """
    if not text.startswith("PT"):
        raise ValueError(f"not a duration: {text!r}")
    return 3600
`

/** Python that does not parse: the parenthesis opened on line 2 never closes. */
export const BROKEN_CODE = `def parse_duration(text: str) -> int:
    if not text.startswith("PT"
        raise ValueError("bad")
    return 3600
`

/** pytest tests of GOOD_CODE, which parse. */
export const TESTS = `import pytest
from solution import parse_duration


def test_hour():
    assert parse_duration("PT1H") == 3600


def test_rejects_garbage():
    with pytest.raises(ValueError):
        parse_duration("x")
`

/** Python tests that do not parse. */
export const BROKEN_TESTS = 'def test_x(:\n    pass\n'

/** The Markdown documentation of GOOD_CODE. */
export const DOCS = '# parse_duration\n\nParses an ISO-8601 duration.\n'

/** JavaScript that parses: one documented function. */
export const JS_CODE = `/**
 * Reverse the words of a sentence.
 * @param {string} text The sentence.
 * @returns {string} The words in reverse order.
 */
export function reverseWords(text) {
  if (typeof text !== 'string') {
    throw new TypeError('text must be a string')
  }
  return text.split(/\\s+/).filter(Boolean).reverse().join(' ')
}
`

/** The code stage's usual reply: GOOD_CODE in a fence, after a line of prose. */
export const CODE_REPLY = fenced('python', GOOD_CODE, 'Here is the code:\n\n')

/** The tests stage's usual reply: TESTS in a fence. */
export const TESTS_REPLY = fenced('python', TESTS)

/** Which generation stage a user message asks for. */
export function stageOfPrompt(user: string): Stage {
  if (user.startsWith('Write unit tests')) return 'tests'
  if (user.startsWith('Write the documentation')) return 'docs'
  return 'code'
}

/** Which generation stage a chat request belongs to, read from its prompt. */
export function stageOf(body: ChatRequestBody): Stage {
  return stageOfPrompt(messageText(body.messages[1] ?? { role: 'user', content: '' }))
}

/** The frame around the user's text: `<request-ID>` … `</request-ID>`, ID random per conversation. */
export const REQUEST_FRAME = /<(request-[0-9a-f]{12})>\n([\s\S]*?)\n<\/\1>/

/** The text as a model reads it: NFKC, no format characters, HTML entities decoded. */
export function readableByModel(text: string): string {
  return text
    .replace(/\p{Cf}/gu, '')
    .normalize('NFKC')
    .replace(/&lt;?|&#0*60;?|&#x0*3c;?/gi, '<')
    .replace(/&gt;?|&#0*62;?|&#x0*3e;?/gi, '>')
}

/** The user's prompt, as quoted between the request tags of a chat request. */
export function promptOf(body: ChatRequestBody): string {
  const user = messageText(body.messages[1] ?? { role: 'user', content: '' })
  return REQUEST_FRAME.exec(user)?.[2] ?? ''
}

/** Whether a chat request's system prompt asks for JavaScript. */
export function asksForJavaScript(body: ChatRequestBody): boolean {
  return messageText(body.messages[0] ?? { role: 'system', content: '' }).includes('JavaScript')
}

/** Replies per stage: a string answers every call; a list answers in turn, its last one repeats. */
export type StageReplies = Record<Stage, string | string[]>

/** A chat-completions handler that answers each stage from `script()`, read anew at every call. */
export function repliesByStage(script: () => StageReplies): ScriptedHandler {
  return (request, response) => {
    const replies = script()[stageOf(chatBody(request))]
    const text =
      typeof replies === 'string'
        ? replies
        : replies.length > 1
          ? (replies.shift() as string)
          : (replies[0] as string)
    return chatReply(text)(request, response)
  }
}

/** Environment for createTestApp: the scripted upstream as OpenAI-compatible provider, fast retries. */
export function llmEnv(
  upstream: { url: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    LLM_PROVIDER: 'openai-compatible',
    LLM_BASE_URL: `${upstream.url}/v1`,
    LLM_MODEL: 'scripted-model',
    LLM_RETRY_BASE_MS: '10',
    ...extra,
  }
}

/** Re-checks `condition` every 10 ms until it holds or `timeoutMs` passes; assertions judge after. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await condition()) && performance.now() < deadline) await sleep(10)
}

/**
 * POSTs one Python generation with `prompt`: code only (no tests, no docs), never from the cache.
 * `path` picks the blocking route or the stream.
 */
export function postGeneration(
  url: string,
  prompt: string,
  path: '/api/generate' | '/api/generate/stream' = '/api/generate',
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      prompt,
      programming_language: 'python',
      include_tests: false,
      include_docs: false,
      options: { cache: false },
    }),
  })
}
