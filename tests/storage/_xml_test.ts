import assert from "node:assert/strict";
import {
  decodeXmlEntities,
  escapeXml,
  xmlElements,
  xmlText,
  xmlTexts,
} from "../../src/storage/_xml.ts";

Deno.test("decodeXmlEntities() decodes named and numeric entities and leaves unknown ones", () => {
  assert.equal(
    decodeXmlEntities("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;"),
    `a & b <c> "d" 'e'`,
  );
  assert.equal(decodeXmlEntities("&#38;&#x26;&#x41;&#128512;"), "&&A😀");
  assert.equal(decodeXmlEntities("&#X41;"), "&#X41;", "XML writes hex references with a small x");
  assert.equal(decodeXmlEntities("&nbsp; &#xZZ; & alone"), "&nbsp; &#xZZ; & alone");
  assert.equal(decodeXmlEntities("&amp;lt;"), "&lt;");
});

Deno.test("escapeXml() and decodeXmlEntities() round-trip any text", () => {
  const text = `<Key>"a" & 'b' &amp;</Key> 😀`;
  assert.equal(decodeXmlEntities(escapeXml(text)), text);
});

Deno.test("xmlElements() finds every element of a name, with attributes or self-closing", () => {
  const xml = `<?xml version="1.0"?><R xmlns="x"><Contents><Key>a&amp;b</Key></Contents>` +
    `<Contents><Key>c</Key></Contents><Empty/><Tag a="1">t</Tag><KeyCount>2</KeyCount></R>`;
  assert.deepEqual(xmlElements(xml, "Contents"), ["<Key>a&amp;b</Key>", "<Key>c</Key>"]);
  assert.deepEqual(xmlTexts(xml, "Key"), ["a&b", "c"]);
  assert.equal(xmlText(xml, "Empty"), "");
  assert.equal(xmlText(xml, "Tag"), "t");
  assert.equal(xmlText(xml, "Missing"), undefined);
  assert.equal(xmlText(xml, "KeyCount"), "2", "Key does not match KeyCount");
});
