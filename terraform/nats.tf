# NATS messaging (JetStream): the hub publishes its events here.
resource "scaleway_mnq_nats_account" "hub" {
  name = "${var.name}-nats"
}

resource "scaleway_mnq_nats_credentials" "hub" {
  name       = "${var.name}-hub"
  account_id = scaleway_mnq_nats_account.hub.id
}
