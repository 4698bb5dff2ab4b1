output "bucket_name" {
  description = "The lab's bucket (labcheck --bucket)"
  value       = aws_s3_bucket.lab.id
}

output "lifecycle_console_url" {
  description = "The bucket's lifecycle rules in the S3 console"
  value       = "https://s3.console.aws.amazon.com/s3/buckets/${aws_s3_bucket.lab.id}?region=${aws_s3_bucket.lab.region}&bucketType=general&tab=management"
}
