import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { NotFoundError, TransientError } from '../../domain/errors.js';
import type { ImageLocation } from '../../ports/imageCopier.js';
import { answerOf, unreachable, type OciClient, type Tally } from './ociClient.js';
import type { Descriptor } from './ociManifests.js';

/** What one copy counts (`CopyReport`), shared by its manifest and blob halves. */
export interface CopyCounts {
  manifestsWritten: number;
  blobsUploaded: number;
  bytesUploaded: number;
  blobsPresent: number;
  blobsMounted: number;
}

/** The blobs of one copy (`CopyRun`): each copied once, mounted, found present or streamed. */
export class BlobCopy {
  private readonly blobs = new Map<string, Promise<void>>();
  private readonly sameRegistry: boolean;

  constructor(
    private readonly src: OciClient,
    private readonly dst: OciClient,
    private readonly source: ImageLocation,
    private readonly target: ImageLocation,
    private readonly tally: Tally,
    private readonly counts: CopyCounts,
    private readonly limits: { idleMs: number },
  ) {
    this.sameRegistry = source.registry === target.registry;
  }

  private get srcPull() {
    return [`repository:${this.source.repository}:pull`];
  }

  private get dstPush() {
    return [`repository:${this.target.repository}:pull,push`];
  }

  private at(location: ImageLocation): string {
    return `${location.registry}/${location.repository}`;
  }

  /** Copies `blob` to the target, once however often it is asked for. */
  blob(blob: Descriptor): Promise<void> {
    let pending = this.blobs.get(blob.digest);
    if (pending === undefined) {
      pending = this.copyBlob(blob);
      this.blobs.set(blob.digest, pending);
    }
    return pending;
  }

  private async copyBlob(blob: Descriptor): Promise<void> {
    const name = this.target.repository;
    const doing = `copying blob ${blob.digest} to ${this.at(this.target)}`;
    let location: string;
    if (this.sameRegistry) {
      if (this.source.repository === name) {
        this.counts.blobsPresent += 1;
        return;
      }
      const mount = await this.dst.send({
        method: 'POST',
        path: `/v2/${name}/blobs/uploads/?mount=${blob.digest}&from=${this.source.repository}`,
        scopes: [...this.dstPush, ...this.srcPull],
        doing,
        tally: this.tally,
      });
      await mount.body?.cancel();
      if (mount.status === 201) {
        this.counts.blobsMounted += 1;
        return;
      }
      // 202: the registry did not mount, and opened an upload instead.
      location = uploadLocation(mount, doing);
    } else {
      const head = await this.dst.send({
        method: 'HEAD',
        path: `/v2/${name}/blobs/${blob.digest}`,
        scopes: this.dstPush,
        doing,
        tally: this.tally,
      });
      if (head.ok) {
        this.counts.blobsPresent += 1;
        return;
      }
      if (head.status !== 404) throw new Error(`${doing}: HEAD: HTTP ${head.status}`);
      const start = await this.dst.send({
        method: 'POST',
        path: `/v2/${name}/blobs/uploads/`,
        scopes: this.dstPush,
        doing,
        tally: this.tally,
      });
      await start.body?.cancel();
      location = uploadLocation(start, doing);
    }
    await this.upload(blob, location, doing);
  }

  /** Streams the source's blob into the upload at `location`, checking its digest and size. */
  private async upload(blob: Descriptor, location: string, doing: string): Promise<void> {
    const progress = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const idle = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        progress.abort(
          new TransientError(`${doing}: registry unavailable: no progress for ${ms} ms`),
        );
      }, ms);
    };
    const idleMs = this.limits.idleMs;
    idle(idleMs);
    try {
      const got = await this.src.sendBlob({
        method: 'GET',
        path: `/v2/${this.source.repository}/blobs/${blob.digest}`,
        scopes: this.srcPull,
        doing,
        tally: this.tally,
        signal: progress.signal,
      });
      if (got.statusCode === 404) {
        got.resume();
        throw new NotFoundError(`${doing}: ${this.at(this.source)} holds no blob ${blob.digest}`);
      }
      if (got.statusCode !== 200) {
        got.resume();
        throw new Error(`${doing}: GET: HTTP ${got.statusCode ?? 0}`);
      }
      const hash = createHash('sha256');
      let bytes = 0;
      const checked = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          idle(idleMs);
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
        flush(done) {
          const actual = `sha256:${hash.digest('hex')}`;
          if (actual === blob.digest && bytes === blob.size) done();
          else
            done(
              new Error(
                `${doing}: the source sent other bytes (${bytes} bytes, digest ${actual}; the manifest says ${blob.size}, ${blob.digest})`,
              ),
            );
        },
      });
      got.once('error', (error) => checked.destroy(error));
      const url = new URL(location, `https://${this.target.registry}`);
      url.searchParams.set('digest', blob.digest);
      const put = await this.dst.sendBlob({
        method: 'PUT',
        path: url.toString(),
        scopes: this.dstPush,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(blob.size),
        },
        body: got.pipe(checked),
        doing,
        tally: this.tally,
        signal: progress.signal,
      });
      const status = put.statusCode ?? 0;
      const chunks: Buffer[] = [];
      for await (const chunk of put) chunks.push(chunk as Buffer);
      if (status !== 201 && status !== 204)
        throw new Error(
          `${doing}: PUT: ${await answerOf(new Response(Buffer.concat(chunks), { status }))}`,
        );
      this.counts.blobsUploaded += 1;
      this.counts.bytesUploaded += blob.size;
    } catch (error) {
      if (progress.signal.aborted && progress.signal.reason instanceof TransientError)
        throw progress.signal.reason;
      if (error instanceof TransientError || error instanceof NotFoundError) throw error;
      if (error instanceof Error && error.message.startsWith(doing)) throw error;
      throw unreachable(doing, error, idleMs);
    } finally {
      clearTimeout(timer);
    }
  }
}

function uploadLocation(response: Response, doing: string): string {
  const location = response.headers.get('location');
  if (response.status !== 202 || location === null)
    throw new Error(`${doing}: the registry opened no upload (HTTP ${response.status})`);
  return location;
}
