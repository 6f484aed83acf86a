import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

// Create a KMS Key for S3 server-side encryption
const key = new aws.kms.Key("my-key");

// Create an AWS resource (S3 Bucket)
const bucket = new aws.s3.Bucket("my-bucket", {
  serverSideEncryptionConfiguration: {
    rule: {
      applyServerSideEncryptionByDefault: {
        sseAlgorithm: "aws:kms",
        kmsMasterKeyId: key.id,
      }
    }
  }
});

// Export the name of the bucket
export const bucketName = bucket.id;
