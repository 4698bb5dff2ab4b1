output "vault_name" {
  description = "The lab's backup vault (labcheck --vault)"
  value       = aws_backup_vault.lab.name
}

output "plan_id" {
  description = "The lab's backup plan (labcheck --plan takes its id or its name)"
  value       = aws_backup_plan.lab.id
}

output "backup_role_arn" {
  description = "The role to pass to start-backup-job and start-restore-job"
  value       = aws_iam_role.backup.arn
}

output "notification_topic_arn" {
  description = "Failed backup jobs are sent here"
  value       = aws_sns_topic.notifications.arn
}

output "start_backup_command" {
  description = "Back up the Users table now instead of waiting for the daily run"
  value       = "aws backup start-backup-job --backup-vault-name ${aws_backup_vault.lab.name} --resource-arn ${local.users_table_arn} --iam-role-arn ${aws_iam_role.backup.arn}"
}
