// Test helper: writes a minimal, valid single-page PDF 1.4 by hand.
// The file has a correct cross-reference table, so strict parsers accept it
// without falling back to "repair" mode.

/** Escapes a JavaScript string for use inside a PDF literal string `( ... )`. */
function pdfString(s: string): string {
  return `(${s.replace(/\\/g, '\\\\').replace(/\(/g, '\\(').replace(/\)/g, '\\)')})`;
}

export interface MakePdfOptions {
  /** Text lines drawn on the page, top to bottom. */
  lines: string[];
  /** Value for the document information dictionary's /Title (omitted when undefined). */
  title?: string;
}

/** Returns the bytes of a one-page PDF showing `lines` in Helvetica. ASCII text only. */
export function makePdf(opts: MakePdfOptions): Buffer {
  const ops: string[] = ['BT', '/F1 12 Tf', '14 TL', '72 720 Td'];
  opts.lines.forEach((line, i) => {
    if (i > 0) ops.push('T*');
    ops.push(`${pdfString(line)} Tj`);
  });
  ops.push('ET');
  const stream = `${ops.join('\n')}\n`;

  const objects: string[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] ' + '/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}endstream`,
  ];
  const hasInfo = opts.title !== undefined;
  if (hasInfo) {
    objects.push(`<< /Title ${pdfString(opts.title as string)} /Producer (make-pdf test helper) >>`);
  }

  let body = '%PDF-1.4\n%\xE2\xE3\xCF\xD3\n';
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
  });

  const xrefOffset = Buffer.byteLength(body, 'latin1');
  const size = objects.length + 1;
  // Each xref entry must be exactly 20 bytes: "nnnnnnnnnn ggggg n\r\n" (or space + \n).
  let xref = `xref\n0 ${size}\n0000000000 65535 f \n`;
  for (const off of offsets) xref += `${String(off).padStart(10, '0')} 00000 n \n`;

  const trailer =
    `trailer\n<< /Size ${size} /Root 1 0 R${hasInfo ? ` /Info ${objects.length} 0 R` : ''} >>\n` + `startxref\n${xrefOffset}\n%%EOF\n`;

  return Buffer.from(body + xref + trailer, 'latin1');
}
