locals {
  token_command = "aws rds generate-db-auth-token --hostname ${aws_db_instance.lab.address} --port ${aws_db_instance.lab.port} --region ${data.aws_region.current.region} --username lab_iam_user"
}

output "db_instance_id" {
  description = "The DB instance (labcheck --db-instance)"
  value       = aws_db_instance.lab.identifier
}

output "db_endpoint" {
  description = "The DB instance's endpoint (host name)"
  value       = aws_db_instance.lab.address
}

output "db_secret_arn" {
  description = "The master user's (labmaster) password, in Secrets Manager"
  value       = aws_db_instance.lab.master_user_secret[0].secret_arn
}

output "iam_connect_role_arn" {
  description = "Assume this role to connect as lab_iam_user with IAM authentication"
  value       = aws_iam_role.iam_connect.arn
}

output "create_iam_user_sql" {
  description = "Run as the master user: creates the database user that signs in with IAM"
  value       = "CREATE USER 'lab_iam_user'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS'; ALTER USER 'lab_iam_user'@'%' REQUIRE SSL;"
}

output "generate_auth_token_command" {
  description = "Prints a 15-minute IAM auth token for lab_iam_user (the password)"
  value       = local.token_command
}

output "mysql_connect_command" {
  description = "Connects as lab_iam_user with an IAM auth token over TLS (in a CloudShell VPC environment: --ssl instead of --ssl-ca)"
  value       = "mysql --host=${aws_db_instance.lab.address} --port=${aws_db_instance.lab.port} --user=lab_iam_user --password=\"$(${local.token_command})\" --ssl-ca=global-bundle.pem --enable-cleartext-plugin"
}

output "vpc_id" {
  description = "For the CloudShell VPC environment: the lab's VPC"
  value       = aws_vpc.lab.id
}

output "cloudshell_subnet_ids" {
  description = "For the CloudShell VPC environment: one of these subnets"
  value       = aws_subnet.isolated[*].id
}

output "cloudshell_security_group_id" {
  description = "For the CloudShell VPC environment: this security group"
  value       = aws_security_group.cloudshell.id
}
