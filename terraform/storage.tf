# Artifacts (email attachments, agents' files) live in this bucket.
resource "scaleway_object_bucket" "artifacts" {
  name = "${var.name}-artifacts-${substr(var.project_id, 0, 8)}"
  versioning {
    enabled = true
  }
}

resource "scaleway_object_bucket_acl" "artifacts" {
  bucket = scaleway_object_bucket.artifacts.id
  acl    = "private"
}

resource "scaleway_registry_namespace" "hub" {
  name      = "${var.name}-registry"
  is_public = false
}
