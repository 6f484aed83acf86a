/**
 * Sends analyzer requests that were serialized before the clock starts, so that the figures are
 * the pack's own time (plus transport, the same for both packs), not the time this process takes
 * to build 20,000 protobuf messages. Requests are built by cli/engine/pack-client.ts, as in the tests.
 */
import * as grpc from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { analyzeRequest, analyzeStackRequest, type ResourceSpec } from "../cli/engine/pack-client";

export type Serialized = Buffer;

export function serializeAnalyze(resources: readonly ResourceSpec[]): Serialized[] {
  return resources.map((r) => Buffer.from(analyzeRequest(r).serializeBinary()));
}

export function serializeAnalyzeStack(resources: readonly ResourceSpec[]): Serialized {
  return Buffer.from(analyzeStackRequest(resources).serializeBinary());
}

const identity = (bytes: Buffer): Buffer => bytes;
const toResponse = (bytes: Buffer): analyzer.AnalyzeResponse =>
  analyzer.AnalyzeResponse.deserializeBinary(new Uint8Array(bytes));

/** A raw gRPC connection to a started pack (its port from PackClient). */
export class WireClient {
  private readonly client: grpc.Client;

  constructor(port: number) {
    this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": -1,
      "grpc.max_send_message_length": -1,
    });
  }

  call(path: string, request: Serialized): Promise<analyzer.AnalyzeResponse> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(path, identity, toResponse, request, (error, response) =>
        error || !response ? reject(error ?? new Error(`no response from ${path}`)) : resolve(response),
      );
    });
  }

  analyzeStack(request: Serialized): Promise<analyzer.AnalyzeResponse> {
    return this.call(analyzerGrpc.AnalyzerService.analyzeStack.path, request);
  }

  /**
   * Sends every Analyze request with at most `inFlight` outstanding, as the engine analyzes the
   * resources of parallel steps; resolves with the number of diagnostics returned.
   */
  async analyzeAll(requests: readonly Serialized[], inFlight: number): Promise<number> {
    const path = analyzerGrpc.AnalyzerService.analyze.path;
    let nextIndex = 0;
    let diagnostics = 0;
    const lane = async () => {
      while (nextIndex < requests.length) {
        const response = await this.call(path, requests[nextIndex++]);
        diagnostics += response.getDiagnosticsList().length;
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, requests.length) }, lane));
    return diagnostics;
  }

  close(): void {
    this.client.close();
  }
}
