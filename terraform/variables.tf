# Where the hub runs.
variable "project_id" {
  description = "Scaleway project that holds every resource."
  type        = string
}

variable "region" {
  description = "Scaleway region (fr-par, nl-ams, pl-waw)."
  type        = string
  default     = "fr-par"
}

variable "zone" {
  description = "Scaleway zone for zonal resources (the Redis cluster)."
  type        = string
  default     = "fr-par-1"
}

variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "agentops"
}

variable "image_tag" {
  description = "Tag of the hub image pushed to the registry namespace this creates."
  type        = string
  default     = "latest"
}

# Scale: several instances share Postgres, Redis and NATS; one of them holds the pollers.
variable "min_scale" {
  description = "Smallest number of hub instances. Keep at least 1: Telegram polling, IMAP and the Discord gateway need a live instance."
  type        = number
  default     = 1
}

variable "max_scale" {
  description = "Largest number of hub instances."
  type        = number
  default     = 3
}

variable "cpu_limit" {
  description = "vCPU per instance, in thousandths."
  type        = number
  default     = 1000
}

variable "memory_limit" {
  description = "Memory per instance, in MB."
  type        = number
  default     = 1024
}

variable "redis_node_type" {
  description = "Managed Redis node type."
  type        = string
  default     = "RED1-MICRO"
}

variable "redis_version" {
  description = "Managed Redis version."
  type        = string
  default     = "7.2.5"
}

variable "database_max_cpu" {
  description = "Upper bound of Serverless SQL vCPUs."
  type        = number
  default     = 4
}

# Plain settings of the hub (see src/config.ts and the README for each one).
variable "settings" {
  description = "Non-secret hub settings, by environment variable name (OWNER_TELEGRAM_IDS, TIMEZONE, BRIEFING_TIME, ...). Unset ones take the hub's defaults."
  type        = map(string)
  default     = {}
}

# Secrets: stored in Secret Manager, injected as secret environment variables.
variable "secrets" {
  description = "Secret hub settings by environment variable name: AGENTOPS_ADMIN_KEY, TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, DISCORD_TOKEN, DEEPGRAM_API_KEY, LLM_API_KEY, VOICE_TOKEN, TWILIO_AUTH_TOKEN, IMAP_URL, SMTP_URL. Leave out what you do not use."
  type        = map(string)
  default     = {}
  sensitive   = true
}
