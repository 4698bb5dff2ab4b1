output "bucket_name" {
  description = "The website bucket (labcheck --bucket)"
  value       = aws_s3_bucket.website.id
}

output "website_url" {
  description = "The website endpoint (HTTP only): the index page, and error.html for a missing page"
  value       = "http://${aws_s3_bucket_website_configuration.website.website_endpoint}"
}
