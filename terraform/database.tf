# Serverless SQL Database (PostgreSQL). The hub connects with an IAM application's key.
resource "scaleway_sdb_sql_database" "hub" {
  name    = "${var.name}-db"
  min_cpu = 0
  max_cpu = var.database_max_cpu
}

resource "scaleway_iam_application" "hub" {
  name        = "${var.name}-hub"
  description = "The AgentOps hub: database and object storage access."
}

resource "scaleway_iam_policy" "hub" {
  name           = "${var.name}-hub"
  application_id = scaleway_iam_application.hub.id
  rule {
    project_ids          = [var.project_id]
    permission_set_names = ["ServerlessSQLDatabaseReadWrite", "ObjectStorageFullAccess", "SecretManagerSecretAccess"]
  }
}

resource "scaleway_iam_api_key" "hub" {
  application_id = scaleway_iam_application.hub.id
  description    = "AgentOps hub runtime key"
}

locals {
  # postgres://<application id>:<secret key>@<host>/<db>?sslmode=require
  database_url = format(
    "postgres://%s:%s@%s",
    scaleway_iam_application.hub.id,
    scaleway_iam_api_key.hub.secret_key,
    trimprefix(scaleway_sdb_sql_database.hub.endpoint, "postgres://"),
  )
}
