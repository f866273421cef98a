// Markdown for the hub's pages and cards, rendered by `marked` (GitHub-flavoured Markdown,
// the way GitHub shows the same READMEs). The READMEs are ours: their raw HTML (<details>,
// <summary>) is kept as written.
import { Marked } from "marked";

const markdown = new Marked({ gfm: true });

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** One line or paragraph of Markdown (`code`, **bold**, links) as inline HTML, no <p>. */
export function renderInline(text: string): string {
  return markdown.parseInline(text, { async: false });
}

/** A whole Markdown page as HTML. */
export function renderMarkdown(text: string): string {
  return markdown.parse(text, { async: false });
}

/** The tokens of a page, for reading its structure (headings, lists) as Markdown sees it. */
export function lexMarkdown(text: string) {
  return markdown.lexer(text);
}
