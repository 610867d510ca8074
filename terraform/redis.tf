resource "random_password" "redis" {
  length      = 32
  min_upper   = 1
  min_lower   = 1
  min_numeric = 1
  min_special = 1
}

resource "scaleway_redis_cluster" "hub" {
  name         = "${var.name}-redis"
  version      = var.redis_version
  node_type    = var.redis_node_type
  user_name    = "agentops"
  password     = random_password.redis.result
  cluster_size = 1
  tls_enabled  = true
  zone         = var.zone

  private_network {
    id = scaleway_vpc_private_network.hub.id
  }
}

locals {
  redis_endpoint = one(scaleway_redis_cluster.hub.private_network[*].endpoint_id) != null ? format(
    "%s:%d",
    one(flatten(scaleway_redis_cluster.hub.private_network[*].ips)),
    one(scaleway_redis_cluster.hub.private_network[*].port),
  ) : ""
  redis_url = format("rediss://agentops:%s@%s", urlencode(random_password.redis.result), local.redis_endpoint)
}
