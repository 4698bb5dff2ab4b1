variable "participant" {
  description = "Your participant name: it prefixes every name (ana -> ana-LabBackupVault), and names the table to back up (ana-Users), as the guide's."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,19}$", var.participant))
    error_message = "A participant is 1-20 lowercase letters or digits, starting with a letter, no hyphen."
  }
}

variable "notify_email" {
  description = "An e-mail address to subscribe to the failure notifications (confirm it from the mail), or null"
  type        = string
  default     = null
}
