/**
 * Writing an object to S3: one PUT up to the part size, a multipart upload past it (parts sent
 * while the next one is read, memory bounded by the part size), aborted on any failure so that
 * nothing half-written is ever visible.
 *
 * @module
 */
import { decoder, errorCode, type Exchange, type S3Transport } from "./_s3_transport.ts";
import { backoffDelay, sleep } from "./_backoff.ts";
import { escapeXml, xmlElements, xmlText } from "./_xml.ts";

/** S3's most parts of one upload. */
const MAX_PARTS = 10_000;

/**
 * Up to `partSize` bytes go in one PUT; past that, a multipart upload whose parts are sent
 * while the next one is read (memory bounded by the part size). Until it completes the object does
 * not exist for readers; on any failure (the stream's included) the upload is aborted.
 */
export async function writeStream(
  transport: S3Transport,
  key: string,
  stream: ReadableStream<Uint8Array>,
  partSize: number,
): Promise<void> {
  const reader = stream.getReader();
  let buffer = new Uint8Array(partSize);
  let filled = 0;
  let uploadId: string | undefined;
  const etags: string[] = [];
  let inFlight: Promise<void> | undefined;
  let partFailure: { error: unknown } | undefined;
  const send = (part: Uint8Array) => {
    const number = etags.length + 1;
    etags.push("");
    if (number > MAX_PARTS) {
      throw new RangeError(
        `Pass a larger partSize to write "${key}": S3 allows ${MAX_PARTS} parts of ${partSize} bytes`,
      );
    }
    inFlight = uploadPart(transport, key, uploadId!, number, part).then(
      (etag) => {
        etags[number - 1] = etag;
      },
      (error) => {
        partFailure ??= { error };
      },
    );
  };
  const settle = async () => {
    if (inFlight !== undefined) await inFlight;
    inFlight = undefined;
    if (partFailure !== undefined) throw partFailure.error;
  };
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      let offset = 0;
      while (offset < value.length) {
        const take = Math.min(partSize - filled, value.length - offset);
        buffer.set(value.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === partSize) {
          uploadId ??= await createMultipartUpload(transport, key);
          await settle();
          send(buffer);
          buffer = new Uint8Array(partSize);
          filled = 0;
        }
      }
    }
    if (uploadId === undefined) return await putObject(transport, key, buffer.subarray(0, filled));
    await settle();
    if (filled > 0) send(buffer.subarray(0, filled));
    await settle();
    await completeMultipartUpload(transport, key, uploadId, etags, total);
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    await inFlight;
    if (uploadId !== undefined) {
      await abortMultipartUpload(transport, key, uploadId).catch(() => {});
    }
    throw error;
  } finally {
    reader.releaseLock();
  }
}

async function createMultipartUpload(transport: S3Transport, key: string): Promise<string> {
  const exchange: Exchange = { method: "POST", key, query: { uploads: "" } };
  const reply = await transport.request(exchange);
  const uploadId = reply.status === 200
    ? xmlText(decoder.decode(reply.body), "UploadId")
    : undefined;
  if (uploadId === undefined || uploadId === "") throw transport.fail(exchange, reply);
  return uploadId;
}

async function uploadPart(
  transport: S3Transport,
  key: string,
  uploadId: string,
  number: number,
  part: Uint8Array,
) {
  const exchange: Exchange = {
    method: "PUT",
    key,
    query: { partNumber: String(number), uploadId },
    body: part,
  };
  const reply = await transport.request(exchange);
  const etag = reply.headers.get("etag");
  if (reply.status !== 200 || etag === null) throw transport.fail(exchange, reply);
  return etag;
}

/**
 * Completes an upload. S3 may answer 200 with an `<Error>` body (then it is retried); a
 * `NoSuchUpload` after an attempt that got no answer means that attempt completed it, which
 * the object's size confirms.
 */
async function completeMultipartUpload(
  transport: S3Transport,
  key: string,
  uploadId: string,
  etags: string[],
  total: number,
) {
  const parts = etags.map((etag, i) =>
    `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`
  );
  const exchange: Exchange = {
    method: "POST",
    key,
    query: { uploadId },
    body: new TextEncoder().encode(
      `<CompleteMultipartUpload>${parts.join("")}</CompleteMultipartUpload>`,
    ),
  };
  let earlierAttempts = false;
  for (let round = 1;; round++) {
    const reply = await transport.request(exchange);
    earlierAttempts ||= reply.attempts > 1;
    const xml = decoder.decode(reply.body);
    if (reply.status === 200 && xmlElements(xml, "Error").length === 0) return;
    const code = reply.status === 200 ? xmlText(xml, "Code") : errorCode(reply);
    if (code === "NoSuchUpload" && (earlierAttempts || round > 1)) {
      const size = await headSize(transport, key);
      if (size === total) return;
    }
    const embedded = reply.status === 200 && (code === "InternalError" || code === "SlowDown");
    if (!embedded || round >= transport.policy.maxAttempts) {
      if (reply.status === 200) {
        throw transport.unavailable(exchange, { ...reply, status: 500 }, undefined, round);
      }
      throw transport.fail(exchange, reply);
    }
    earlierAttempts = true;
    await sleep(backoffDelay(transport.policy, round));
  }
}

async function headSize(transport: S3Transport, key: string): Promise<number | undefined> {
  const exchange: Exchange = { method: "HEAD", key };
  const reply = await transport.request(exchange);
  if (reply.status === 200) return Number(reply.headers.get("content-length") ?? 0);
  if (reply.status === 404) return undefined;
  throw transport.fail(exchange, reply);
}

async function abortMultipartUpload(
  transport: S3Transport,
  key: string,
  uploadId: string,
): Promise<void> {
  const exchange: Exchange = { method: "DELETE", key, query: { uploadId } };
  const reply = await transport.request(exchange);
  if (reply.status !== 204 && reply.status !== 200 && reply.status !== 404) {
    throw transport.fail(exchange, reply);
  }
}

/** Writes `data` as one object with one PUT. */
export async function putObject(
  transport: S3Transport,
  key: string,
  data: Uint8Array,
): Promise<void> {
  const exchange: Exchange = { method: "PUT", key, body: data };
  const reply = await transport.request(exchange);
  if (reply.status !== 200) throw transport.fail(exchange, reply);
}
