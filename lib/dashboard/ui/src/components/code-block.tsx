import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';

/** What a block shows before "Show all": big payloads (hundreds of KB) are never put in the DOM unasked. */
export const PREVIEW_CHARS = 8_000;

function kb(chars: number): string {
  return chars < 1024 ? `${chars} B` : `${(chars / 1024).toFixed(1)} KB`;
}

/** Text in a <pre>, cut at PREVIEW_CHARS until the reader asks for all of it. */
export function TextBlock({ text, label }: { text: string; label?: string }): JSX.Element {
  const [full, setFull] = useState(false);
  const cut = !full && text.length > PREVIEW_CHARS;
  return (
    <div class="code">
      <pre aria-label={label}>{cut ? `${text.slice(0, PREVIEW_CHARS)}\n…` : text}</pre>
      {cut && (
        <button type="button" class="btn btn-small" onClick={() => setFull(true)}>
          Show all ({kb(text.length)})
        </button>
      )}
    </div>
  );
}

function pretty(value: unknown): string {
  if (typeof value === 'string') {
    // A payload string that is itself JSON reads better pretty-printed; a long one is parsed only when shown.
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A job's data, pretty-printed once (memoised), shown cut when big. */
export function JsonBlock({ value, label }: { value: unknown; label?: string }): JSX.Element {
  const text = useMemo(() => pretty(value), [value]);
  return <TextBlock text={text} label={label} />;
}
