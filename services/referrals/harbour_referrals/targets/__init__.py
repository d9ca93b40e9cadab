"""Referral targets: the read model of directory services that can receive referrals."""
