resource "scaleway_vpc" "hub" {
  name = "${var.name}-vpc"
}

resource "scaleway_vpc_private_network" "hub" {
  name   = "${var.name}-pn"
  vpc_id = scaleway_vpc.hub.id
}
