"""Industrial solid waste: monthly ledgers of generators (enterprises of the sources registry),
balance checks, utilisation and disposal rates against targets, storage and landfill sites;
hazardous-waste manifests, their time-limit alarms and the HJ 1259 ledger."""
