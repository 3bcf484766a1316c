import type { DatasetFormat } from '@tit/kit';

/** One caption as a reader found it, before image files are checked. */
export interface CaptionEntry {
  /** Image file as the captions file names it, relative to the reader's image folder (posix). */
  file: string;
  text: string;
  /** Where it came from, for messages: "line 12", "annotations[3]". */
  where: string;
}

/** A row that could not be read; skipped and counted, never fatal on its own. */
export interface MalformedRow {
  where: string;
  reason: string;
}

/** What a reader returns: captions (or, for caption-less folders, image files) and the rows it skipped. */
export interface CaptionSource {
  format: DatasetFormat;
  /** Absolute folder the entries' `file` paths are relative to. */
  imageDir: string;
  /** The caption file that was read (absent for caption-less folders), for messages. */
  captionsFile?: string;
  entries: CaptionEntry[];
  /** Caption-less folders list their image files here instead (relative to imageDir, posix). */
  imageFiles?: string[];
  malformed: MalformedRow[];
  /** Notes on choices the reader made (for example normalized keys). */
  notes: string[];
}

/** An image that will be indexed. */
export interface DatasetImage {
  /** Stable id: the file name without its extension. */
  id: string;
  /** Path relative to the dataset root (posix), as stored in the index. */
  relPath: string;
  /** Absolute path, for hashing and captioning. */
  absPath: string;
}

/** A caption that will be indexed. */
export interface DatasetCaption {
  /** Stable item id `<imageId>#<n>`, n counting the image's captions in file order from 0. */
  itemId: string;
  imageId: string;
  text: string;
}

/** A dataset ready to index: every image exists, every caption belongs to one. */
export interface Dataset {
  root: string;
  format: DatasetFormat;
  split?: string;
  images: DatasetImage[];
  /** Empty for caption-less folders (`needsCaptions`): the captioner writes one per image. */
  captions: DatasetCaption[];
  needsCaptions: boolean;
  /** Captions whose image file is missing. */
  skippedMissingImage: number;
  /** Distinct image files referenced but missing. */
  missingImages: number;
  /** Rows that could not be read. */
  skippedMalformed: number;
  /** Human-readable notes: first malformed rows, first missing files, reader choices. */
  warnings: string[];
}

/** Image file extensions the captioner decodes. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif'] as const;

export function isImageFile(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}
