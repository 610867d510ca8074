resource "scaleway_container_namespace" "hub" {
  name = "${var.name}-hub"
}

locals {
  # Plain settings: the hub's defaults, the wiring to the resources above, then the user's.
  environment = merge(
    {
      NODE_ENV               = "production"
      LOG_LEVEL              = "info"
      LOG_FORMAT             = "json"
      HOST                   = "0.0.0.0"
      PORT                   = "8080"
      DATA_DIR               = "/data"
      DATABASE_POOL_SIZE     = "10"
      REDIS_KEY_PREFIX       = "agentops:"
      NATS_URL               = scaleway_mnq_nats_account.hub.endpoint
      NATS_CREDS_FILE        = ""
      NATS_STREAM            = "AGENTOPS"
      NATS_SUBJECT_PREFIX    = "agentops"
      S3_ENDPOINT            = "https://s3.${var.region}.scw.cloud"
      S3_BUCKET              = scaleway_object_bucket.artifacts.name
      S3_REGION              = var.region
      S3_ACCESS_KEY_ID       = scaleway_iam_api_key.hub.access_key
      INSTANCE_ID            = ""
      PUBLIC_URL             = ""
      TIMEZONE               = "UTC"
      LEASE_SECONDS          = "300"
      MAX_ATTEMPTS           = "3"
      AGENT_OFFLINE_SECONDS  = "120"
      REAPER_INTERVAL_MS     = "5000"
      BODY_LIMIT_BYTES       = "1048576"
      RATE_LIMIT_PER_MINUTE  = "6000"
      LLM_BASE_URL           = "https://openrouter.ai/api/v1"
      LLM_MODEL              = ""
      LLM_TIMEOUT_MS         = "8000"
      LLM_DAILY_BUDGET_USD   = ""
      OWNER_NAME             = ""
      OWNER_TELEGRAM_IDS     = ""
      OWNER_DISCORD_IDS      = ""
      OWNER_EMAILS           = ""
      OWNER_PHONES           = ""
      BRIEFING_TIME          = ""
      TELEGRAM_API_ROOT      = "https://api.telegram.org"
      TELEGRAM_WEBHOOK_URL   = ""
      DEEPGRAM_BASE_URL      = ""
      DISCORD_APPLICATION_ID = ""
      DISCORD_CHANNEL_IDS    = ""
      DISCORD_GUILD_ID       = ""
      DISCORD_API_BASE       = ""
      EMAIL_FROM             = ""
      EMAIL_DONE_FOLDER      = "AgentOps/Done"
      EMAIL_FAILED_FOLDER    = "AgentOps/Failed"
      EMAIL_REQUIRE_CONFIRM  = "false"
      EMAIL_POLL_MS          = "30000"
      VOICE_MIN_CONFIDENCE   = "0.6"
    },
    var.settings,
  )
  secret_environment = { for k, v in data.scaleway_secret_version.hub : k => v.data }
}

resource "scaleway_container" "hub" {
  name               = "${var.name}-hub"
  namespace_id       = scaleway_container_namespace.hub.id
  registry_image     = "${scaleway_registry_namespace.hub.endpoint}/agentops-hub:${var.image_tag}"
  port               = 8080
  cpu_limit          = var.cpu_limit
  memory_limit       = var.memory_limit
  min_scale          = var.min_scale
  max_scale          = var.max_scale
  privacy            = "public"
  protocol           = "http1"
  http_option        = "redirected"
  deploy             = true
  private_network_id = scaleway_vpc_private_network.hub.id

  environment_variables        = local.environment
  secret_environment_variables = local.secret_environment

  health_check {
    http {
      path = "/healthz"
    }
    failure_threshold = 3
    interval          = "10s"
  }
}
