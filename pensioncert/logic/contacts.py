"""Adding, listing and deleting contacts (亲友)."""
from __future__ import annotations

from pensioncert import normalize
from pensioncert.dal import contacts
from pensioncert.dal.tables import ContactTable
from pensioncert.errors import AppError, ErrorCode

MAX_CONTACTS = 10
MAX_RELATION_LENGTH = 20


def add_contact(svc, account, *, name: str, id_number: str, relation: str) -> dict:
    person_name = normalize.name(name)
    person_id = normalize.id_number(id_number)
    relation = normalize.nfkc(relation)
    if not relation or len(relation) > MAX_RELATION_LENGTH:
        raise AppError(ErrorCode.BAD_REQUEST, "请填写与您的关系（如父亲、母亲、配偶），不超过20字",
                       field="relation")
    vault = svc.vault
    id_key = vault.lookup("id", person_id)
    if id_key == account.id_key:
        raise AppError(ErrorCode.BAD_REQUEST, "不能添加本人为亲友，本人认证请选择“本人”", field="id_number")
    if len(contacts.list_for(account.user_id)) >= MAX_CONTACTS:
        raise AppError(ErrorCode.CONTACT_LIMIT)
    contact = ContactTable(
        account.user_id,
        "c_" + vault.lookup("contact", f"{account.user_id}:{person_id}")[:20],
        id_key=id_key,
        id_sealed=vault.seal(person_id),
        name=person_name,
        relation=relation,
        created_at=svc.clock.now(),
    )
    if not contacts.add(contact):
        raise AppError(ErrorCode.CONTACT_EXISTS)
    return {"contact_id": contact.contact_id}


def list_contacts(svc, account) -> dict:
    items = sorted(contacts.list_for(account.user_id), key=lambda contact: contact.created_at)
    return {
        "items": [
            {
                "contact_id": contact.contact_id,
                "name": contact.name,
                "id_number_masked": normalize.mask_id_number(svc.vault.open(contact.id_sealed)),
                "relation": contact.relation,
            }
            for contact in items
        ]
    }


def delete_contact(account, contact_id: str) -> None:
    if not 0 < len(contact_id) <= 64 or not contacts.delete(account.user_id, contact_id):
        raise AppError(ErrorCode.NOT_FOUND, "未找到该联系人")
