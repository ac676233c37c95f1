/** Text (or an attribute value) for HTML, SVG or XML: the one escape for what the project writes as markup. */
export const escapeMarkup = (s: unknown): string => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
