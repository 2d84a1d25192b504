"""The assistants-contract addons for mitmproxy's own tools, shipped inside the package so an installed wheel has
it (`assistants-contract addon-path` prints where):

    mitmdump -s "$(assistants-contract addon-path)" --mode reverse:https://api.openai.com \\
        --set contract_record_dir=cassettes/recorded --set contract_report_dir=reports

Options (all `--set`): contract_version (v1|v2), contract_policy (pass|warn|block), contract_filter,
contract_record_dir, contract_record_origin, contract_report_dir, contract_redact, contract_worker,
contract_worker_timeout. `assistants-contract proxy` runs the same addons with friendlier flags and starts the
reference server when no upstream is given.
"""

from assistants_contract.proxy import default_addons

addons = default_addons()
