"use strict";
// The "V2 Domain" example of aws.datazone.Domain (pulumi/pulumi-aws, sdk/nodejs/datazone/domain.ts,
// itself generated from the Terraform aws_datazone_domain docs), translated from TypeScript to
// CommonJS JavaScript: imports become require, nothing else changes.
const aws = require("@pulumi/aws");

const current = aws.getCallerIdentity({});
// IAM role for Domain Execution
const assumeRoleDomainExecution = current.then(current => aws.iam.getPolicyDocument({
    statements: [{
        conditions: [
            {
                test: "StringEquals",
                values: [current.accountId],
                variable: "aws:SourceAccount",
            },
            {
                test: "ForAllValues:StringLike",
                values: ["datazone*"],
                variable: "aws:TagKeys",
            },
        ],
        principals: [{
            type: "Service",
            identifiers: ["datazone.amazonaws.com"],
        }],
        actions: [
            "sts:AssumeRole",
            "sts:TagSession",
            "sts:SetContext",
        ],
    }],
}));
const domainExecution = new aws.iam.Role("domain_execution", {
    assumeRolePolicy: assumeRoleDomainExecution.then(assumeRoleDomainExecution => assumeRoleDomainExecution.json),
    name: "example-domain-execution-role",
});
const domainExecutionRole = aws.iam.getPolicy({
    name: "SageMakerStudioDomainExecutionRolePolicy",
});
const domainExecutionRolePolicyAttachment = new aws.iam.RolePolicyAttachment("domain_execution", {
    policyArn: domainExecutionRole.then(domainExecutionRole => domainExecutionRole.arn),
    role: domainExecution.name,
});
// IAM role for Domain Service
const assumeRoleDomainService = current.then(current => aws.iam.getPolicyDocument({
    statements: [{
        conditions: [{
            test: "StringEquals",
            values: [current.accountId],
            variable: "aws:SourceAccount",
        }],
        principals: [{
            type: "Service",
            identifiers: ["datazone.amazonaws.com"],
        }],
        actions: ["sts:AssumeRole"],
    }],
}));
const domainService = new aws.iam.Role("domain_service", {
    assumeRolePolicy: assumeRoleDomainService.then(assumeRoleDomainService => assumeRoleDomainService.json),
    name: "example-domain-service-role",
});
const domainServiceRole = aws.iam.getPolicy({
    name: "SageMakerStudioDomainServiceRolePolicy",
});
const domainServiceRolePolicyAttachment = new aws.iam.RolePolicyAttachment("domain_service", {
    policyArn: domainServiceRole.then(domainServiceRole => domainServiceRole.arn),
    role: domainService.name,
});
// DataZone Domain V2
const example = new aws.datazone.Domain("example", {
    name: "example-domain",
    domainExecutionRole: domainExecution.arn,
    domainVersion: "V2",
    serviceRole: domainService.arn,
});
