"use strict";
// The "Basic Usage" example of aws.bedrock.AgentcoreMemory (pulumi/pulumi-aws,
// sdk/nodejs/bedrock/agentcoreMemory.ts), translated from TypeScript to CommonJS JavaScript:
// imports become require, nothing else changes.
const aws = require("@pulumi/aws");

const assumeRole = aws.iam.getPolicyDocument({
    statements: [{
        principals: [{
            type: "Service",
            identifiers: ["bedrock-agentcore.amazonaws.com"],
        }],
        effect: "Allow",
        actions: ["sts:AssumeRole"],
    }],
});
const example = new aws.iam.Role("example", {
    name: "bedrock-agentcore-memory-role",
    assumeRolePolicy: assumeRole.then(assumeRole => assumeRole.json),
});
const exampleRolePolicyAttachment = new aws.iam.RolePolicyAttachment("example", {
    role: example.name,
    policyArn: "arn:aws:iam::aws:policy/AmazonBedrockAgentCoreMemoryBedrockModelInferenceExecutionRolePolicy",
});
const exampleAgentcoreMemory = new aws.bedrock.AgentcoreMemory("example", {
    name: "example_memory",
    eventExpiryDuration: 30,
});
