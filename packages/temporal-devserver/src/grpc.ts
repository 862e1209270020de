// Serving a protobuf service from @temporalio/proto's reflection root with @grpc/grpc-js. Every method
// of the service is registered: those without a handler answer UNIMPLEMENTED naming the method.
import * as grpc from '@grpc/grpc-js';
import type { grpc as grpcProto, temporal } from '@temporalio/proto';
import type { Method, Service } from 'protobufjs';
import { ApiError } from './errors';
import type { Logger } from './logger';
import { decodeMessage, encodeMessage, root, type Decoded, type Message } from './proto';
import type { PollContext } from './task-queue';

export interface CallContext extends Omit<PollContext, 'identity'> {
  readonly method: string;
}

/** One RPC of a @temporalio/proto service class: `(request) => Promise<response>` with its method name. */
interface Rpc<Name extends string, Req, Res> {
  readonly name: Name;
  (request: Req): Promise<Res>;
}

/** Handlers for a @temporalio/proto service, keyed by method name, typed with its request and response messages. */
export type ServiceHandlers<S> = {
  [K in keyof S as S[K] extends Rpc<infer Name, never, unknown> ? Name : never]?: S[K] extends Rpc<
    string,
    infer Req,
    infer Res
  >
    ? (request: Decoded<Req>, ctx: CallContext) => Promise<Decoded<Res>> | Decoded<Res>
    : never;
};

export type WorkflowServiceHandlers = ServiceHandlers<temporal.api.workflowservice.v1.WorkflowService>;
export type OperatorServiceHandlers = ServiceHandlers<temporal.api.operatorservice.v1.OperatorService>;
export type TestServiceHandlers = ServiceHandlers<temporal.api.testservice.v1.TestService>;
export type HealthHandlers = ServiceHandlers<grpcProto.health.v1.Health>;

type AnyHandler = (request: Message, ctx: CallContext) => Promise<object> | object;

/**
 * Serves `handlers` for a service. `afterCall` runs after a handler returned and its answer waits for it (the
 * engine's changes reach the disk there); if it fails, the caller gets an error instead of the answer.
 */
export function addService(
  server: grpc.Server,
  serviceName: string,
  handlers: WorkflowServiceHandlers | OperatorServiceHandlers | TestServiceHandlers | HealthHandlers,
  log: Logger,
  afterCall: () => Promise<void> = () => Promise.resolve(),
): void {
  const service: Service = root.lookupService(serviceName);
  service.resolveAll();
  const definition: Record<string, grpc.MethodDefinition<object, object>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of Object.values<Method>(service.methods)) {
    if (method.requestStream || method.responseStream) continue;
    const requestType = method.resolvedRequestType!;
    const responseType = method.resolvedResponseType!;
    definition[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: object) => encodeMessage(requestType, value),
      requestDeserialize: (bytes: Buffer) => decodeMessage<Message>(requestType, bytes),
      responseSerialize: (value: object) => encodeMessage(responseType, value),
      responseDeserialize: (bytes: Buffer) => decodeMessage<Message>(responseType, bytes),
    };
    // The service named by `serviceName` is the one `handlers` was typed for; here they are looked up by name.
    const handler = (handlers as Record<string, AnyHandler | undefined>)[method.name];
    implementation[method.name] = unaryHandler(method.name, handler, log, afterCall);
  }
  server.addService(definition, implementation);
}

function unaryHandler(
  name: string,
  handler: AnyHandler | undefined,
  log: Logger,
  afterCall: () => Promise<void>,
): grpc.handleUnaryCall<Message, object> {
  return (call, callback) => {
    if (!handler) {
      callback(
        serviceError(grpc.status.UNIMPLEMENTED, `unknown method ${name}: not implemented by the Tact dev server`),
      );
      return;
    }
    let cancelled = false;
    const cancelCallbacks: (() => void)[] = [];
    call.on('cancelled', () => {
      cancelled = true;
      for (const cb of cancelCallbacks.splice(0)) cb();
    });
    const ctx: CallContext = {
      method: name,
      isCancelled: () => cancelled || call.cancelled,
      onCancel: (cb) => {
        if (cancelled) cb();
        else cancelCallbacks.push(cb);
      },
    };
    Promise.resolve()
      .then(() => handler(call.request, ctx))
      .then(
        async (response) => {
          await afterCall();
          return response;
        },
        async (err: unknown) => {
          await afterCall();
          throw err;
        },
      )
      .then(
        (response) => callback(null, response),
        (err: unknown) => {
          if (err instanceof ApiError) {
            log.debug(`${name}: ${grpc.status[err.code]} ${err.message}`);
            callback(serviceError(err.code, err.message, err.metadata()));
          } else {
            log.error(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
            callback(
              serviceError(
                grpc.status.INTERNAL,
                `${name}: internal error: ${err instanceof Error ? err.message : String(err)}`,
              ),
            );
          }
        },
      );
  };
}

function serviceError(code: grpc.status, details: string, metadata?: grpc.Metadata): grpc.ServerErrorResponse {
  return Object.assign(new Error(details), { code, details }, metadata ? { metadata } : {});
}
