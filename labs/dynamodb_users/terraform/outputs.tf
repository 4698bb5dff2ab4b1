output "table_name" {
  description = "The lab's table (labcheck --table)"
  value       = aws_dynamodb_table.users.name
}

output "index_name" {
  description = "The index on the name"
  value       = one(aws_dynamodb_table.users.global_secondary_index[*].name)
}

output "query_by_name_command" {
  description = "Finds John Doe through the index (in the region of your AWS configuration)"
  value       = "aws dynamodb query --table-name ${aws_dynamodb_table.users.name} --index-name name-index --key-condition-expression \"#name = :name\" --expression-attribute-names '{\"#name\":\"name\"}' --expression-attribute-values '{\":name\":{\"S\":\"John Doe\"}}'"
}
