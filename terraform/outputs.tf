output "hub_url" {
  description = "Public URL of the hub (set PUBLIC_URL to it, and point Telegram webhooks, Twilio and voice stacks here)."
  value       = "https://${scaleway_container.hub.domain_name}"
}

output "registry_endpoint" {
  description = "Push the hub image here: docker push <endpoint>/agentops-hub:<tag>."
  value       = scaleway_registry_namespace.hub.endpoint
}

output "database_endpoint" {
  description = "Serverless SQL endpoint (credentials are in Secret Manager as DATABASE_URL)."
  value       = scaleway_sdb_sql_database.hub.endpoint
}

output "artifacts_bucket" {
  description = "Object storage bucket for artifacts."
  value       = scaleway_object_bucket.artifacts.name
}

output "nats_endpoint" {
  description = "NATS account endpoint."
  value       = scaleway_mnq_nats_account.hub.endpoint
}
