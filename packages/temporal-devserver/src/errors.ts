// Errors answered to gRPC callers. Temporal's clients map status codes (and for some errors a
// typed detail in `grpc-status-details-bin`) to their own error classes, so the codes matter.
import { Metadata, status } from '@grpc/grpc-js';
import { encodeMessage, lookupType } from './proto';

export interface ErrorDetail {
  typeName: string;
  value: object;
}

export class ApiError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly detail?: ErrorDetail,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  metadata(): Metadata | undefined {
    if (!this.detail) return undefined;
    const value = encodeMessage(lookupType(this.detail.typeName), this.detail.value);
    const rpcStatus = encodeMessage(lookupType('google.rpc.Status'), {
      code: this.code,
      message: this.message,
      details: [{ type_url: `type.googleapis.com/${this.detail.typeName}`, value }],
    });
    const md = new Metadata();
    md.set('grpc-status-details-bin', rpcStatus);
    return md;
  }
}

export const invalidArgument = (message: string) => new ApiError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new ApiError(status.NOT_FOUND, message);
export const failedPrecondition = (message: string) => new ApiError(status.FAILED_PRECONDITION, message);
export const unimplemented = (message: string) => new ApiError(status.UNIMPLEMENTED, message);

export function namespaceNotFound(namespace: string): ApiError {
  return new ApiError(status.NOT_FOUND, `Namespace ${namespace} is not found.`, {
    typeName: 'temporal.api.errordetails.v1.NamespaceNotFoundFailure',
    value: { namespace },
  });
}

export function workflowNotFound(workflowId: string, runId?: string): ApiError {
  return notFound(`workflow execution not found for workflow ID "${workflowId}" and run ID "${runId ?? ''}"`);
}

export function alreadyStarted(workflowId: string, startRequestId: string, runId: string): ApiError {
  return new ApiError(
    status.ALREADY_EXISTS,
    `Workflow execution is already running. WorkflowId: ${workflowId}, RunId: ${runId}.`,
    {
      typeName: 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
      value: { startRequestId, runId },
    },
  );
}

export function requireString(value: string | undefined | null, field: string): string {
  if (!value) throw invalidArgument(`${field} is not set on request.`);
  return value;
}
