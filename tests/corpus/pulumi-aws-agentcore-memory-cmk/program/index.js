"use strict";
// The "Memory with Custom Encryption and Role" example of aws.bedrock.AgentcoreMemory
// (pulumi/pulumi-aws, sdk/nodejs/bedrock/agentcoreMemory.ts), translated from TypeScript to
// CommonJS JavaScript. The example refers to `exampleAwsIamRole` without declaring it; the
// role below is the Basic Usage example's role, declared under that name so the program runs.
const aws = require("@pulumi/aws");

const exampleAwsIamRole = new aws.iam.Role("example", {
    name: "bedrock-agentcore-memory-role",
    assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Service: "bedrock-agentcore.amazonaws.com" },
            Action: "sts:AssumeRole",
        }],
    }),
});

const example = new aws.kms.Key("example", {description: "KMS key for Bedrock AgentCore Memory"});
const exampleAgentcoreMemory = new aws.bedrock.AgentcoreMemory("example", {
    name: "example_memory",
    description: "Memory for customer service agent",
    eventExpiryDuration: 60,
    encryptionKeyArn: example.arn,
    memoryExecutionRoleArn: exampleAwsIamRole.arn,
    clientToken: "unique-client-token",
});
