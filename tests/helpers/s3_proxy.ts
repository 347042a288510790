/**
 * A small HTTP proxy on 127.0.0.1 in front of moto, for what moto does not do by itself: fail
 * chosen requests (5xx, 429, 409, a hang, a failure reported after moto applied the request)
 * and check SigV4 signatures against the secret a real S3 would know. Requests it lets through
 * are answered by moto; it mocks no S3 behaviour of its own.
 */
// deno-lint-ignore no-import-prefix
import { AwsV4Signer } from "npm:aws4fetch@1.0.20";

/** A request the proxy received. */
export interface ProxiedRequest {
  /** 1 for the first request. */
  n: number;
  method: string;
  /** Path and query, as received. */
  target: string;
  headers: Headers;
}

/** What the proxy does with one request. */
export type ProxyAction =
  /** Pass it to moto and its answer back. */
  | "forward"
  /** Answer with an S3-style error and do not pass the request on. */
  | { status: number; code: string }
  /** Pass it to moto (which applies it), then answer with an error instead of moto's answer. */
  | { afterForward: { status: number; code: string } }
  /** Answer 200 with an `<Error>` body, as CompleteMultipartUpload may (not passed on). */
  | { embeddedError: string }
  /** Never answer (until the proxy closes). */
  | "hang";

/** Options of {@linkcode startS3Proxy}. */
export interface S3ProxyOptions {
  /** moto's endpoint; without it every request must be answered by `plan`. */
  target?: string;
  /** Decides per request; forwards everything when absent. */
  plan?: (request: ProxiedRequest) => ProxyAction;
  /** Checks signatures as S3 does: 403 InvalidAccessKeyId / SignatureDoesNotMatch. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** A running proxy. */
export interface S3Proxy extends AsyncDisposable {
  endpointUrl: string;
  /** Every request received, in order. */
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

/** An S3 error document. */
export function s3ErrorXml(code: string, message = `injected ${code}`): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>test</RequestId></Error>`;
}

function errorResponse(status: number, code: string, method: string): Response {
  return new Response(method === "HEAD" ? null : s3ErrorXml(code), {
    status,
    headers: { "content-type": "application/xml" },
  });
}

async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The answer S3 would give to a request signed with other credentials, or `undefined`. */
async function checkSignature(
  request: Request,
  body: Uint8Array,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<Response | undefined> {
  const auth = request.headers.get("authorization") ?? "";
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/
      .exec(auth);
  if (!match) return errorResponse(403, "AccessDenied", request.method);
  const [, accessKeyId, , region, service, signedHeaders, signature] = match;
  if (accessKeyId !== credentials.accessKeyId) {
    return errorResponse(403, "InvalidAccessKeyId", request.method);
  }
  const headers = new Headers();
  for (const name of signedHeaders.split(";")) {
    if (name !== "host") headers.set(name, request.headers.get(name) ?? "");
  }
  const signer = new AwsV4Signer({
    method: request.method,
    url: request.url,
    headers,
    accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: request.headers.get("x-amz-security-token") ?? undefined,
    region,
    service,
    datetime: request.headers.get("x-amz-date") ?? "",
  });
  if (signer.signedHeaders !== signedHeaders || await signer.signature() !== signature) {
    return errorResponse(403, "SignatureDoesNotMatch", request.method);
  }
  const claimed = request.headers.get("x-amz-content-sha256");
  if (claimed !== null && claimed !== "UNSIGNED-PAYLOAD" && claimed !== await sha256Hex(body)) {
    return errorResponse(400, "XAmzContentSHA256Mismatch", request.method);
  }
  return undefined;
}

/** Starts a proxy on a free port of 127.0.0.1. */
export function startS3Proxy(options: S3ProxyOptions = {}): S3Proxy {
  const requests: ProxiedRequest[] = [];
  let releaseHung = () => {};
  const hung = new Promise<void>((resolve) => releaseHung = resolve);
  const forward = async (request: Request, body: Uint8Array): Promise<Response> => {
    if (options.target === undefined) throw new Error("The proxy has no target to forward to");
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.delete("host");
    const answer = await fetch(`${options.target}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      body: body.length > 0 || request.method === "PUT" || request.method === "POST"
        ? body as Uint8Array<ArrayBuffer>
        : undefined,
    });
    const answerBody = new Uint8Array(await answer.arrayBuffer());
    const empty = request.method === "HEAD" || answer.status === 204 || answer.status === 304;
    return new Response(empty ? null : answerBody, {
      status: answer.status,
      headers: answer.headers,
    });
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const info: ProxiedRequest = {
      n: requests.length + 1,
      method: request.method,
      target: `${url.pathname}${url.search}`,
      headers: request.headers,
    };
    requests.push(info);
    const body = new Uint8Array(await request.arrayBuffer());
    if (options.credentials) {
      const refused = await checkSignature(request, body, options.credentials);
      if (refused) return refused;
    }
    const action = options.plan?.(info) ?? "forward";
    if (action === "forward") return await forward(request, body);
    if (action === "hang") {
      await hung;
      return new Response(null, { status: 503 });
    }
    if ("afterForward" in action) {
      const answer = await forward(request, body);
      await answer.body?.cancel();
      return errorResponse(action.afterForward.status, action.afterForward.code, request.method);
    }
    if ("embeddedError" in action) {
      return new Response(s3ErrorXml(action.embeddedError), { status: 200 });
    }
    return errorResponse(action.status, action.code, request.method);
  });
  const close = async () => {
    releaseHung();
    await server.shutdown();
  };
  return {
    endpointUrl: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}
