variable "participant" {
  description = "Your participant name: it prefixes every name (ana -> ana-lab-rds-mysql), as the guide's."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,19}$", var.participant))
    error_message = "A participant is 1-20 lowercase letters or digits, starting with a letter, no hyphen."
  }
}

variable "db_instance_class" {
  description = "The instance class: db.t3.medium or smaller, as the lab sheet allows"
  type        = string
  default     = "db.t3.micro"

  validation {
    condition     = contains(["db.t3.micro", "db.t3.small", "db.t3.medium", "db.t4g.micro", "db.t4g.small", "db.t4g.medium"], var.db_instance_class)
    error_message = "The lab allows db.t3.micro, db.t3.small, db.t3.medium, db.t4g.micro, db.t4g.small or db.t4g.medium."
  }
}
