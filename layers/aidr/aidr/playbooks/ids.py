"""Playbook ids (contracts.md section 5): the state machines under ``statemachines/``.

Constants only, so the configuration model can check ``playbook_rules`` against them without loading the playbooks.
"""

REVOKE_PRINCIPAL = "revoke-principal"
QUARANTINE_BUCKET = "quarantine-bucket"
DISABLE_ENDPOINT = "disable-endpoint"
RESTORE_LOGGING = "restore-logging"
ROLLBACK = "rollback"
# What a finding may start; the rollback is started by hand, never by a finding.
CONTAINMENT_PLAYBOOKS = (REVOKE_PRINCIPAL, QUARANTINE_BUCKET, DISABLE_ENDPOINT, RESTORE_LOGGING)
PLAYBOOKS = (*CONTAINMENT_PLAYBOOKS, ROLLBACK)
