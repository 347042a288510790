/**
 * Just enough XML for S3's replies (ListObjectsV2, errors, multipart uploads): the texts of the
 * elements of one name, entities decoded. S3 replies are flat, machine-written documents without
 * CDATA or nested elements of the same name, so a library would buy nothing but weight.
 *
 * @module
 */

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

/** Decodes `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#NN;` and `&#xNN;`. */
export function decodeXmlEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (entity, body: string) => {
    if (body.startsWith("#")) {
      const code = body[1] === "x" || body[1] === "X"
        ? parseInt(body.slice(2), 16)
        : parseInt(body.slice(1), 10);
      return Number.isInteger(code) && code >= 0 && code <= 0x10ffff
        ? String.fromCodePoint(code)
        : entity;
    }
    return NAMED_ENTITIES[body] ?? entity;
  });
}

/** Escapes text for an XML element body. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) =>
      c === "&"
        ? "&amp;"
        : c === "<"
        ? "&lt;"
        : c === ">"
        ? "&gt;"
        : c === '"'
        ? "&quot;"
        : "&apos;",
  );
}

/**
 * The raw inner XML of every `<name>` element of `xml`, in document order (`<name/>` gives `""`).
 * Namespace prefixes are not expected: S3 uses a default namespace.
 */
export function xmlElements(xml: string, name: string): string[] {
  const found: string[] = [];
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}\\s*>)`, "g");
  for (const match of xml.matchAll(pattern)) found.push(match[1] ?? "");
  return found;
}

/** The decoded text of the first `<name>` element of `xml`, or `undefined`. */
export function xmlText(xml: string, name: string): string | undefined {
  const inner = xmlElements(xml, name)[0];
  return inner === undefined ? undefined : decodeXmlEntities(inner);
}

/** The decoded texts of every `<name>` element of `xml`. */
export function xmlTexts(xml: string, name: string): string[] {
  return xmlElements(xml, name).map(decodeXmlEntities);
}
