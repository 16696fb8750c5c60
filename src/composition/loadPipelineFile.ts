import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ValidationError } from '../domain/errors.js';
import { defaultPipeline, parsePipeline, type Pipeline } from '../domain/pipeline.js';

/**
 * Reads and validates the pipeline definition. A missing file falls back to the seed
 * pipeline unless the path was set explicitly, in which case it is an error.
 */
export async function loadPipelineFile(
  file: { readonly path: string; readonly explicit: boolean },
  cwd: string,
): Promise<Pipeline> {
  const path = resolve(cwd, file.path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !file.explicit)
      return defaultPipeline();
    throw new ValidationError(file.path, [
      {
        path: '',
        message: `cannot read ${path} (PROMOTER_PIPELINE_FILE): ${(error as Error).message}`,
      },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(file.path, [
      { path: '', message: `not JSON: ${(error as Error).message}` },
    ]);
  }
  return parsePipeline(json, file.path);
}
