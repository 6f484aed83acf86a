/**
 * The fake AWS endpoint answers the real SDK v3 clients in their own wire protocols (JSON 1.1 for
 * KMS, Query/XML for STS), routes by the SigV4 credential scope and applies its faults.
 */
import { strict as assert } from "assert";
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand } from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { AwsError, FakeAwsServer, queryXmlHandler, restJsonHandler } from "../support/fake-aws/server";
import { FakeKms } from "../support/fake-aws/kms";

const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const credentials = { accessKeyId: "AKIDACCOUNTA", secretAccessKey: "fake-secret" };

describe("fake AWS endpoint", () => {
  let server: FakeAwsServer;
  const kms = new FakeKms().addKey({ arn: KEY, keyManager: "AWS", aliases: ["alias/aws/datazone"] });

  before(async () => {
    server = await FakeAwsServer.start();
    server.register("kms", kms.handler);
    server.register(
      "sts",
      queryXmlHandler("https://sts.amazonaws.com/doc/2011-06-15/", {
        GetCallerIdentity: (_params, call) =>
          `<Arn>arn:aws:iam::111122223333:user/${call.accessKeyId}</Arn><UserId>X</UserId><Account>111122223333</Account>`,
      }),
    );
  });
  after(() => server.close());
  beforeEach(() => {
    server.reset();
    server.faults = {};
  });

  function kmsClient(region = "eu-west-1"): KMSClient {
    return new KMSClient({ region, endpoint: server.url, credentials, maxAttempts: 3 });
  }

  it("answers KMS DescribeKey by ARN and by alias, in the region of the call, logging service and access key", async () => {
    const byArn = await kmsClient().send(new DescribeKeyCommand({ KeyId: KEY }));
    assert.equal(byArn.KeyMetadata?.KeyManager, "AWS");
    assert.ok(byArn.KeyMetadata?.CreationDate instanceof Date);
    const byAlias = await kmsClient().send(new DescribeKeyCommand({ KeyId: "alias/aws/datazone" }));
    assert.equal(byAlias.KeyMetadata?.Arn, KEY);
    const aliases = await kmsClient().send(new ListAliasesCommand({}));
    assert.deepEqual(
      aliases.Aliases?.map((a) => a.AliasName),
      ["alias/aws/datazone"],
    );
    assert.deepEqual(
      server.calls.map((c) => [c.service, c.region, c.accessKeyId, c.operation]),
      [
        ["kms", "eu-west-1", "AKIDACCOUNTA", "DescribeKey"],
        ["kms", "eu-west-1", "AKIDACCOUNTA", "DescribeKey"],
        ["kms", "eu-west-1", "AKIDACCOUNTA", "ListAliases"],
      ],
    );
  });

  it("renders errors in the JSON shape the SDK parses (name, message)", async () => {
    await assert.rejects(kmsClient("us-east-1").send(new DescribeKeyCommand({ KeyId: KEY })), {
      name: "NotFoundException",
    });
    kms.deny({ operation: "GetKeyPolicy", accessKeyId: "AKIDACCOUNTA" });
    try {
      await assert.rejects(
        kmsClient().send(new GetKeyPolicyCommand({ KeyId: KEY, PolicyName: "default" })),
        (err: Error) => {
          assert.equal(err.name, "AccessDeniedException");
          assert.match(err.message, /kms:GetKeyPolicy/);
          return true;
        },
      );
    } finally {
      kms.denied.length = 0;
    }
  });

  it("throttles the first N calls, which the SDK retries", async () => {
    server.faults = { throttle: [{ service: "kms", operation: "DescribeKey", count: 2 }] };
    const out = await kmsClient().send(new DescribeKeyCommand({ KeyId: KEY }));
    assert.equal(out.KeyMetadata?.Arn, KEY);
    assert.deepEqual(
      server.callsOf("kms", "DescribeKey").map((c) => c.fault ?? "answered"),
      ["throttled", "throttled", "answered"],
    );
  });

  it("answers STS in the Query protocol with XML, and XML errors", async () => {
    const sts = new STSClient({ region: "us-east-1", endpoint: server.url, credentials });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, "arn:aws:iam::111122223333:user/AKIDACCOUNTA");
    server.faults = { throttle: [{ service: "sts", operation: "GetCallerIdentity", count: 5 }] };
    await assert.rejects(
      new STSClient({ region: "us-east-1", endpoint: server.url, credentials, maxAttempts: 1 }).send(
        new GetCallerIdentityCommand({}),
      ),
      { name: "ThrottlingException", message: "Rate exceeded" },
    );
  });

  it("routes REST-JSON by method and path template", async () => {
    const handler = restJsonHandler([
      {
        method: "GET",
        path: "/v2/domains/{identifier}",
        operation: "GetDomain",
        handle: ({ params }) => {
          if (params.identifier !== "dzd_1")
            throw new AwsError("ResourceNotFoundException", "no domain", 404);
          return { id: params.identifier };
        },
      },
    ]);
    const raw = {
      method: "GET",
      path: "/v2/domains/dzd_1",
      query: new URLSearchParams(),
      headers: {},
      body: "",
    };
    const recognised = handler.recognise(raw);
    assert.deepEqual(recognised?.operation, "GetDomain");
    const call = {
      service: "datazone",
      region: "us-east-1",
      accessKeyId: "A",
      operation: "GetDomain",
      method: "GET",
      path: raw.path,
      input: recognised?.input,
    };
    const answer = await handler.answer("GetDomain", recognised?.input, call);
    assert.deepEqual(JSON.parse(answer.body), { id: "dzd_1" });
    assert.equal(handler.recognise({ ...raw, method: "DELETE" }), undefined);
  });

  it("holds a call open in never-answer mode until the client gives up", async () => {
    server.faults = { neverAnswer: () => true };
    const client = kmsClient();
    const started = Date.now();
    await assert.rejects(
      client.send(new DescribeKeyCommand({ KeyId: KEY }), { abortSignal: AbortSignal.timeout(300) }),
    );
    assert.ok(Date.now() - started < 5000);
    assert.equal(server.callsOf("kms")[0]?.fault, "never-answered");
  });

  it("adds the injected latency to each call", async () => {
    server.faults = { latencyMs: 150 };
    const started = Date.now();
    await kmsClient().send(new DescribeKeyCommand({ KeyId: KEY }));
    assert.ok(Date.now() - started >= 140);
  });
});
