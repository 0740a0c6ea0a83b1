/** A record field as text for a diff line: strings as they are, anything else as JSON. */
export const valueText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
