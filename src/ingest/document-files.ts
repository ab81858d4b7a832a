// Finding ingestible files on disk (folders walked recursively) and reading them, with errors that say what to do.

import { type Dirent, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { IngestError, isSupportedExtension, SUPPORTED_EXTENSIONS } from './document-model';
import { errorMessage } from './document-text';

/**
 * Expands files and folders into the sorted list of ingestible files. Folders are
 * walked recursively, skipping hidden entries (".name"), `node_modules` and files
 * with unsupported extensions. A file named explicitly must have a supported
 * extension. Returned paths are built from the arguments (relative stays relative).
 */
export async function listDocumentFiles(pathsOrFolders: string[]): Promise<string[]> {
  const found = new Set<string>();
  const visitedDirs = new Set<string>();

  for (const input of pathsOrFolders) {
    let stat: Awaited<ReturnType<typeof fs.stat>>;
    try {
      stat = await fs.stat(input);
    } catch (err) {
      throw fsError(err, input);
    }
    if (stat.isDirectory()) {
      await walk(input, found, visitedDirs);
    } else if (stat.isFile()) {
      if (!isSupportedExtension(path.extname(input))) {
        throw new IngestError(
          'UNSUPPORTED_TYPE',
          `Unsupported file type "${path.extname(input) || '(no extension)'}" for ${input}. ` +
            `Supported: ${SUPPORTED_EXTENSIONS.join(', ')}.`,
          { filePath: input },
        );
      }
      found.add(path.normalize(input));
    } else {
      throw new IngestError('UNSUPPORTED_TYPE', `${input} is neither a file nor a folder. Pass files or folders.`, {
        filePath: input,
      });
    }
  }

  return [...found].sort(compareStrings);
}

async function walk(dir: string, found: Set<string>, visitedDirs: Set<string>): Promise<void> {
  let real: string;
  let entries: Dirent[];
  try {
    real = await fs.realpath(dir);
    if (visitedDirs.has(real)) return; // symlink loop or the same folder given twice
    visitedDirs.add(real);
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw fsError(err, dir);
  }

  entries.sort((a, b) => compareStrings(a.name, b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = await fs.stat(full);
        isDir = target.isDirectory();
        isFile = target.isFile();
      } catch {
        continue; // dangling link
      }
    }
    if (isDir) await walk(full, found, visitedDirs);
    else if (isFile && isSupportedExtension(path.extname(entry.name))) found.add(full);
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fsError(err: unknown, filePath: string): IngestError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new IngestError('NOT_FOUND', `${filePath} does not exist. Check the path and try again.`, {
      filePath,
      cause: err,
    });
  }
  return new IngestError('READ_FAILED', `Could not read ${filePath}: ${errorMessage(err)}. Check that it exists and is readable.`, {
    filePath,
    cause: err,
  });
}

export async function readFileOrThrow(filePath: string): Promise<Buffer> {
  try {
    return await fs.readFile(filePath);
  } catch (err) {
    throw fsError(err, filePath);
  }
}
