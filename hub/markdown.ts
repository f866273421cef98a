// A small Markdown renderer for the labs' READMEs: headings, paragraphs, lists, fenced code,
// tables, inline code, bold, links, and raw HTML blocks (<details>). Enough for our own
// exercise sheets, which we write; not a general Markdown implementation.

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** `code`, **bold**, *em*, [text](url) inside one line. Code spans are never touched further. */
export function renderInline(text: string): string {
  return text
    .split(/(`[^`]+`)/)
    .map((part) => {
      if (part.startsWith("`") && part.endsWith("`") && part.length > 1) {
        return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      }
      return escapeHtml(part)
        .replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
        .replace(/(^|\W)\*(\S.*?)\*(?=\W|$)/g, "$1<em>$2</em>")
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<a href="$2">$1</a>');
    })
    .join("");
}

export function renderMarkdown(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  const html: string[] = [];
  let paragraph: string[] = [];
  const flushParagraph = () => {
    if (paragraph.length > 0) html.push(`<p>${renderInline(paragraph.join(" "))}</p>`);
    paragraph = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    // An HTML comment alone on a line (<!-- starts-from: … -->) is for tools, not for readers.
    if (/^\s*<!--.*-->\s*$/.test(line)) continue;

    const fence = line.match(/^```(\w*)/);
    if (fence) {
      flushParagraph();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]?.startsWith("```"); i++) code.push(lines[i] ?? "");
      const language = fence[1] ? ` class="language-${fence[1]}"` : "";
      html.push(`<pre><code${language}>${escapeHtml(code.join("\n"))}</code></pre>`);
      continue;
    }

    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      flushParagraph();
      const level = heading[1]?.length ?? 1;
      html.push(`<h${level}>${renderInline(heading[2] ?? "")}</h${level}>`);
      continue;
    }

    // Raw HTML lines (<details>, <summary>, </details>) pass through: we wrote them ourselves.
    if (/^\s*<\/?[a-z][^>]*>/.test(line)) {
      flushParagraph();
      html.push(
        line.replace(
          /<summary>(.*?)<\/summary>/,
          (_, s) => `<summary>${renderInline(s)}</summary>`,
        ),
      );
      continue;
    }

    if (/^\s*([-*]|\d+\.)\s+/.test(line)) {
      flushParagraph();
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      // An item continues on indented lines that do not start a new item.
      while (i < lines.length && /^\s*([-*]|\d+\.)\s+|^\s{2,}\S/.test(lines[i] ?? "")) {
        const current = lines[i] ?? "";
        const start = current.match(/^\s*([-*]|\d+\.)\s+(.*)$/);
        if (start) items.push(start[2] ?? "");
        else items[items.length - 1] += ` ${current.trim()}`;
        i++;
      }
      i--;
      const tag = ordered ? "ol" : "ul";
      html.push(
        `<${tag}>${items.map((item) => `<li>${renderInline(item)}</li>`).join("")}</${tag}>`,
      );
      continue;
    }

    if (line.startsWith("|")) {
      flushParagraph();
      const rows: string[][] = [];
      for (; i < lines.length && lines[i]?.startsWith("|"); i++) {
        const cells = (lines[i] ?? "").replace(/^\||\|$/g, "").split("|");
        if (!cells.every((cell) => /^\s*:?-+:?\s*$/.test(cell)))
          rows.push(cells.map((c) => c.trim()));
      }
      i--;
      const [head = [], ...body] = rows;
      html.push(
        `<table><thead><tr>${head.map((c) => `<th>${renderInline(c)}</th>`).join("")}</tr></thead>` +
          `<tbody>${body.map((row) => `<tr>${row.map((c) => `<td>${renderInline(c)}</td>`).join("")}</tr>`).join("")}</tbody></table>`,
      );
      continue;
    }

    if (line.trim() === "") flushParagraph();
    else paragraph.push(line.trim());
  }
  flushParagraph();
  return html.join("\n");
}
