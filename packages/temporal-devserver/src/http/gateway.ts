// Temporal's HTTP API in front of the gRPC server, as Temporal's frontend does it with grpc-gateway: a route from the
// proto annotations, the request from the JSON body (`body: "*"`), the path variables and the query parameters, the
// call made over gRPC to this server itself (so both doors give the same answers), and the answer or the error as
// proto3 JSON. Errors are `google.rpc.Status` with the gRPC code's HTTP status (grpc-gateway's HTTPStatusFromCode).
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { Type } from 'protobufjs';
import { root } from '../proto';
import {
  fieldByJsonName,
  fromProtoJson,
  ProtoJsonError,
  singleFromJson,
  toProtoJson,
  type ProtoJsonOptions,
} from './proto-json';
import { Router, type RouteMatch } from './routes';

/** grpc-gateway's runtime.HTTPStatusFromCode. */
const HTTP_STATUS: Record<number, number> = {
  [grpc.status.OK]: 200,
  [grpc.status.CANCELLED]: 499,
  [grpc.status.UNKNOWN]: 500,
  [grpc.status.INVALID_ARGUMENT]: 400,
  [grpc.status.DEADLINE_EXCEEDED]: 504,
  [grpc.status.NOT_FOUND]: 404,
  [grpc.status.ALREADY_EXISTS]: 409,
  [grpc.status.PERMISSION_DENIED]: 403,
  [grpc.status.UNAUTHENTICATED]: 401,
  [grpc.status.RESOURCE_EXHAUSTED]: 429,
  [grpc.status.FAILED_PRECONDITION]: 400,
  [grpc.status.ABORTED]: 409,
  [grpc.status.OUT_OF_RANGE]: 400,
  [grpc.status.UNIMPLEMENTED]: 501,
  [grpc.status.INTERNAL]: 500,
  [grpc.status.UNAVAILABLE]: 503,
  [grpc.status.DATA_LOSS]: 500,
};

/** Like Temporal's frontend: at most 4 MiB of request body. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface GatewayOptions {
  /** The gRPC server to call (host:port). */
  grpcAddress: string;
  /**
   * Temporal's HTTP API writes payloads in shorthand unless `?noPayloadShorthand` is given; Temporal's UI server
   * never does (the UI decodes payloads itself).
   */
  payloadShorthand: boolean;
  /** Indentation of every answer (the UI server indents by two spaces); `?pretty` indents too. */
  indent?: string;
}

export interface Gateway {
  /** Serves the request if its path is an HTTP API route (or under `/api/v1/`); false when it is not one. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): void;
}

const statusType = (): Type => root.lookupType('google.rpc.Status');

export function createGateway(opts: GatewayOptions): Gateway {
  const router = new Router();
  const client = new grpc.Client(opts.grpcAddress, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
  });
  return {
    close: () => client.close(),
    handle: async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (match === undefined && !url.pathname.startsWith('/api/v1/')) return false;
      const accept = req.headers.accept ?? '';
      const json: ProtoJsonOptions = {
        payloadShorthand:
          opts.payloadShorthand &&
          !url.searchParams.has('noPayloadShorthand') &&
          !accept.includes('no-payload-shorthand'),
      };
      const indent = url.searchParams.has('pretty') || accept.includes('+pretty') ? '  ' : (opts.indent ?? '');
      const send = (httpStatus: number, body: unknown) => {
        res.writeHead(httpStatus, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body, null, indent || undefined));
      };
      const sendStatus = (code: grpc.status, message: string) =>
        send(HTTP_STATUS[code] ?? 500, toProtoJson(statusType(), { code, message }, json));
      if (match === undefined) {
        sendStatus(grpc.status.NOT_FOUND, 'Not Found');
        return true;
      }
      if (match === 'method') {
        sendStatus(grpc.status.UNIMPLEMENTED, 'Method Not Allowed');
        return true;
      }
      let request: Buffer;
      try {
        request = await buildRequest(match, req, url, json);
      } catch (error) {
        if (!(error instanceof ProtoJsonError)) throw error;
        sendStatus(grpc.status.INVALID_ARGUMENT, error.message);
        return true;
      }
      const { route } = match;
      const call = client.makeUnaryRequest<Buffer, Buffer>(
        `/${route.service}/${route.method}`,
        (b) => b,
        (b) => b,
        request,
        new grpc.Metadata(),
        (error, response) => {
          if (res.destroyed) return;
          if (error) {
            send(HTTP_STATUS[error.code] ?? 500, errorBody(error, json));
            return;
          }
          send(200, toProtoJson(route.responseType, route.responseType.decode(response!) as never, json));
        },
      );
      res.on('close', () => {
        if (!res.writableFinished) call.cancel();
      });
      return true;
    },
  };
}

async function buildRequest(
  match: RouteMatch,
  req: IncomingMessage,
  url: URL,
  json: ProtoJsonOptions,
): Promise<Buffer> {
  const { route, params } = match;
  const type = route.requestType;
  let message: Record<string, unknown> = {};
  if (route.body === '*') {
    const text = await readBody(req);
    if (text.trim()) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new ProtoJsonError(`invalid JSON body: ${(error as Error).message}`);
      }
      message = fromProtoJson(type, parsed, json);
    }
  } else {
    const pathFields = new Set(params.map(([p]) => p.join('.')));
    for (const key of new Set(url.searchParams.keys())) {
      if (pathFields.has(key)) continue;
      setPath(type, message, key.split('.'), url.searchParams.getAll(key), json, true);
    }
  }
  for (const [path, value] of params) setPath(type, message, path, [value], json, false);
  const err = type.verify(type.fromObject(message));
  if (err) throw new ProtoJsonError(err);
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}

/** Sets a (dotted) field path from string values, as grpc-gateway fills path and query parameters. */
function setPath(
  type: Type,
  message: Record<string, unknown>,
  path: string[],
  values: string[],
  json: ProtoJsonOptions,
  lenient: boolean,
): void {
  const [head, ...rest] = path;
  const field = fieldByJsonName(type, head!);
  if (!field) {
    // grpc-gateway ignores query parameters that name no field (`pretty`, `noPayloadShorthand`, …).
    if (lenient) return;
    throw new ProtoJsonError(`no field ${head} in ${type.fullName.slice(1)}`);
  }
  field.resolve();
  const nested = field.resolvedType;
  if (rest.length > 0) {
    if (!nested || !('fields' in nested) || field.repeated)
      throw new ProtoJsonError(`${path.join('.')}: not a message`);
    const child = (message[field.name] ??= {}) as Record<string, unknown>;
    setPath(nested, child, rest, values, json, lenient);
    return;
  }
  const name = path.join('.');
  const convert = (v: string) => singleFromJson(field, v, json, name);
  message[field.name] = field.repeated ? values.map(convert) : convert(values[values.length - 1]!);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ProtoJsonError('http: request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The gRPC status as the client saw it, with its typed details when the server sent them. */
function errorBody(error: grpc.ServiceError, json: ProtoJsonOptions): unknown {
  const type = statusType();
  const [details] = error.metadata?.get('grpc-status-details-bin') ?? [];
  if (details instanceof Buffer) return toProtoJson(type, type.decode(details) as never, json);
  return toProtoJson(type, { code: error.code, message: error.details }, json);
}
