# Every secret the hub reads is kept in Secret Manager; the container reads the latest version.
locals {
  generated_secrets = {
    DATABASE_URL         = local.database_url
    REDIS_URL            = local.redis_url
    NATS_CREDS           = scaleway_mnq_nats_credentials.hub.file
    S3_SECRET_ACCESS_KEY = scaleway_iam_api_key.hub.secret_key
  }
  all_secrets = merge(var.secrets, local.generated_secrets)
}

resource "scaleway_secret" "hub" {
  for_each    = nonsensitive(toset(keys(local.all_secrets)))
  name        = "${var.name}-${lower(replace(each.key, "_", "-"))}"
  description = "AgentOps hub setting ${each.key}"
}

resource "scaleway_secret_version" "hub" {
  for_each  = scaleway_secret.hub
  secret_id = each.value.id
  data      = local.all_secrets[each.key]
}

data "scaleway_secret_version" "hub" {
  for_each  = scaleway_secret_version.hub
  secret_id = each.value.secret_id
  revision  = each.value.revision
}
