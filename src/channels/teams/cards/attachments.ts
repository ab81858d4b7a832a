// Attachments other than Adaptive Cards: an inline picture, and the Teams file-consent / file-info
// cards through which a bot hands someone a file in a personal chat. Pure.
// https://learn.microsoft.com/microsoftteams/platform/bots/how-to/bots-filesv4

export const FILE_CONSENT_CONTENT_TYPE = 'application/vnd.microsoft.teams.card.file.consent';
export const FILE_INFO_CONTENT_TYPE = 'application/vnd.microsoft.teams.card.file.info';

/**
 * Teams shows pictures of at most 1024×1024 pixels, and the Bot Connector refuses activities over
 * about 256 KB: a chart is kept under this many PNG bytes (base64 adds a third).
 */
export const MAX_INLINE_IMAGE_BYTES = 150_000;
export const MAX_INLINE_IMAGE_PIXELS = 1024;

export interface InlineImageAttachment {
  contentType: 'image/png';
  contentUrl: string;
  name: string;
}

export const pngDataUri = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`;

/** An inline picture (a data URI): works in personal chats, group chats and channels. */
export function inlineImage(png: Buffer, name: string): InlineImageAttachment {
  return { contentType: 'image/png', contentUrl: pngDataUri(png), name };
}

/** What a file-consent card carries back to the bot (acceptContext / declineContext). */
export interface ReportCsvContext {
  kind: 'report_csv';
  department?: string;
  userId?: string;
}

export interface FileConsentAttachment {
  contentType: typeof FILE_CONSENT_CONTENT_TYPE;
  name: string;
  content: { description: string; sizeInBytes: number; acceptContext: ReportCsvContext; declineContext: ReportCsvContext };
}

/**
 * "<bot> wants to send you a file: Allow / Decline" (personal chat only). On Allow Teams invokes
 * `fileConsent/invoke` with an upload URL in the person's OneDrive; the context says what to upload.
 */
export function fileConsentCard(name: string, description: string, sizeInBytes: number, context: ReportCsvContext): FileConsentAttachment {
  return {
    contentType: FILE_CONSENT_CONTENT_TYPE,
    name,
    content: { description, sizeInBytes, acceptContext: context, declineContext: context },
  };
}

export interface FileInfoAttachment {
  contentType: typeof FILE_INFO_CONTENT_TYPE;
  name: string;
  contentUrl: string;
  content: { uniqueId: string; fileType: string };
}

/** The clickable file card after an upload, from the upload info Teams gave. */
export function fileInfoCard(upload: { name?: string; contentUrl?: string; uniqueId?: string; fileType?: string }): FileInfoAttachment {
  return {
    contentType: FILE_INFO_CONTENT_TYPE,
    name: upload.name ?? 'file',
    contentUrl: upload.contentUrl ?? '',
    content: { uniqueId: upload.uniqueId ?? '', fileType: upload.fileType ?? '' },
  };
}

/** "Sales & Ops" + date → "learning-report-sales-ops-2025-06-01.csv" */
export function reportFileName(title: string, date: Date): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `learning-report-${slug || 'report'}-${date.toISOString().slice(0, 10)}.csv`;
}
